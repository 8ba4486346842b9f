"""Generation speed: `utils.CharGenerator` beside the TensorFlow tutorial's one-step generator and
the slides-style loop, on the same LSTM(256) model, for one text and for a batch of 64.

- The slides-style loop calls `model.predict` on the whole text so far for every new character
  (the slides' word loop, written for characters): each character costs more than the one before.
- The tutorial's `OneStep` (`benchmarks.reference.TutorialOneStep`): a `tf.function` that runs the
  model on the newest character, carrying the LSTM's (h, c) with `return_state` / `initial_state`,
  and draws with `tf.random.categorical`. This is the peer a reader would use instead.
- `utils.CharGenerator`: the NumPy step of Lab 11-2, with the input projection as a lookup table
  and one `exp` for all four gates.

Every method runs the same weights (the weights do not change the speed). It also prints the
machine's float32 matmul rate and the rate the step's own recurrent product alone would allow, so
that the distance to the hardware shows. Run it on an otherwise idle machine:

    python -m benchmarks.generation_speed
    python -m benchmarks.generation_speed --profile    # and where one step of the batch goes

`--profile` times the parts of one `CharGenerator` step for the whole batch (the recurrent product,
the head, the draw) against the whole step, each the best of three timings of many calls.
"""

import argparse
import time

import keras
import numpy as np

import utils
from benchmarks.reference import TutorialOneStep, matmul_gflops, slides_char_loop
from utils.fastgen import Steps as _Steps
from utils.fastgen import draw as _draw

SEED_TEXT = "ROMEO:\n"


def best_of(repeats, function, *args, **kwargs):
    """The shortest of `repeats` wall times of `function(*args, **kwargs)`, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times)


def per_call_us(function, calls=2000):
    """Microseconds a call of `function()`, the best of three timings of `calls` calls."""
    function()
    return 1e6 * best_of(3, lambda: [function() for _ in range(calls)]) / calls


def step_profile(generator, batch):
    """Microseconds of one `CharGenerator` step for `batch` texts (the step and its draw, as
    `generate` runs them) and of its parts: the recurrent product, the head and the draw."""
    generator._read()
    _, (_, recurrent_kernel, _) = generator.layers[1]  # the LSTM's weights
    units = recurrent_kernel.shape[0]
    zeros = np.zeros((batch, units), np.float32)
    steps = _Steps(generator.layers, generator.inputs, [None, (zeros, zeros.copy()), None])
    (_, _, recurrent, (h, _, z, _), _), (_, head, head_bias, _, _) = steps.plan
    draws = np.random.default_rng(0).random(batch)
    ids = np.zeros(batch, dtype=np.int64)
    logits = steps(ids)
    parts = {
        "one step and its draw, as generate runs them": per_call_us(
            lambda: _draw(steps(ids), 1.0, draws)
        ),
        f"the recurrent product ({batch} x {units}) @ ({units} x {4 * units})": per_call_us(
            lambda: np.matmul(h, recurrent, out=z)
        ),
        "the head's product and bias": per_call_us(lambda: h @ head + head_bias),
        "the draw (softmax, inverse distribution function)": per_call_us(
            lambda: _draw(logits, 1.0, draws)
        ),
    }
    whole = next(iter(parts.values()))
    parts["the rest: gates, cell state, lookups, NumPy calls"] = whole - sum(
        list(parts.values())[1:]
    )
    return parts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chars", type=int, default=1000, help="characters per text")
    parser.add_argument("--long", type=int, default=10_000, help="a longer text, to compare")
    parser.add_argument("--slides-chars", type=int, default=100)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--profile", action="store_true", help="where one step of the batch goes")
    args = parser.parse_args(argv)

    vocab = utils.CharVocab.from_text(utils.load_shakespeare())
    utils.set_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(None,)),
            keras.layers.Embedding(len(vocab), 32),
            keras.layers.LSTM(256, return_sequences=True),
            keras.layers.Dense(len(vocab)),
        ]
    )
    generator = utils.CharGenerator(model, vocab)
    peer = TutorialOneStep(model)
    rows = {}  # (method, batch, characters per text) -> chars/s over the whole batch

    slides_char_loop(model, vocab, SEED_TEXT, 3, np.random.default_rng(0))  # builds predict
    n = args.slides_chars
    seconds = best_of(
        1, lambda: slides_char_loop(model, vocab, SEED_TEXT, n, np.random.default_rng(0))
    )
    rows["slides-style loop: model.predict on the text so far", 1, n] = n / seconds

    for batch in (1, args.batch):
        peer.generate(vocab, SEED_TEXT, 3, batch)  # traces the tf.function
        n = args.chars
        seconds = best_of(3, peer.generate, vocab, SEED_TEXT, n, batch)
        rows["TensorFlow tutorial: one-step tf.function", batch, n] = batch * n / seconds
        for n in (args.chars, args.long):
            seconds = best_of(3, generator.generate, SEED_TEXT, n, n_samples=batch, seed=0)
            rows["utils.CharGenerator", batch, n] = batch * n / seconds

    # the machine's speed, and the ceiling of the LSTM step's own (batch x 256) @ (256 x 1024)
    rates = {"2000 x 2000": matmul_gflops(2000, 2000, 2000)}
    rates.update({b: matmul_gflops(b, 256, 1024) for b in (1, args.batch)})
    print(f"# {utils.environment_report()}")
    print(
        f"# float32 matmul: {rates['2000 x 2000']:.0f} GFLOP/s for 2000 x 2000; the step's "
        + ", ".join(
            f"({b} x 256) @ (256 x 1024) {rates[b]:.0f} GFLOP/s, so at most "
            f"{rates[b] * 1e9 * b / (2 * b * 256 * 1024):,.0f} chars/s for batch {b}"
            for b in (1, args.batch)
        )
    )
    print("| method | texts | characters each | chars/s (all texts) |")
    print("|---|---|---|---|")
    for (method, batch, n), speed in rows.items():
        print(f"| {method} | {batch} | {n:,} | {speed:,.0f} |")
    ours = {b: rows["utils.CharGenerator", b, args.chars] for b in (1, args.batch)}
    tutorial = {b: rows["TensorFlow tutorial: one-step tf.function", b, args.chars] for b in ours}
    slides = rows["slides-style loop: model.predict on the text so far", 1, args.slides_chars]
    for b in ours:
        print(f"\nCharGenerator / tutorial one-step, {b} text(s): {ours[b] / tutorial[b]:.1f}x")
    print(f"CharGenerator / slides-style loop, 1 text: {ours[1] / slides:,.0f}x")
    for b in ours:
        longer = rows["utils.CharGenerator", b, args.long]
        print(
            f"CharGenerator, {b} text(s), {args.long:,} / {args.chars:,} characters each: "
            f"{longer / ours[b]:.2f} of the speed"
        )
    if args.profile:
        parts = step_profile(generator, args.batch)
        whole = next(iter(parts.values()))
        print(f"\n| one step, {args.batch} texts | microseconds | share |\n|---|---|---|")
        for name, us in parts.items():
            print(f"| {name} | {us:.0f} | {us / whole:.0%} |")


if __name__ == "__main__":
    main()
