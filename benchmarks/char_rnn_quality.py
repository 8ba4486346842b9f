"""Quality in a time budget: how good a character model gets in 180 s of training on this machine.

Trains the char-LSTM configuration of labs/11-2_char_rnn.ipynb (and a GRU of the same size) on the
first 90% of tiny Shakespeare for a fixed wall time, then reports the loss on the last 10% in
nats per character (also bits per character and perplexity). Run by hand, on an otherwise idle
machine:

    python -m benchmarks.char_rnn_quality --seconds 180
    python -m benchmarks.char_rnn_quality --seconds 600 --target 1.50   # and the time to 1.50
    python -m benchmarks.char_rnn_quality --epochs 3 --cells LSTM --seeds 42 1 2 3

The learning rate follows the lab's schedule (`--schedule cosine`: from `--learning-rate` down to
0 along half a cosine over the budget) or stays constant (`--schedule constant`). `--epochs N`
trains as the lab does instead, N whole passes over the training text with the schedule over them,
whatever the time; `--seeds` repeats each run from other starting weights.
"""

import argparse
import math
import platform
import time

import keras
import numpy as np

import utils
from benchmarks.reference import TimeBudget, matmul_gflops

# The configuration of labs/11-2_char_rnn.ipynb: keep the two in step.
SEQ_LENGTH, BATCH_SIZE, EMBEDDING_DIM, UNITS, LEARNING_RATE = 32, 32, 32, 256, 8e-3
SCHEDULE = "cosine"
VAL_LENGTH = 100  # validation windows: long enough to give the model context


def build(cell, vocab_size, learning_rate=LEARNING_RATE):
    model = keras.Sequential(
        [
            keras.Input(shape=(None,)),
            keras.layers.Embedding(vocab_size, EMBEDDING_DIM),
            cell(UNITS, return_sequences=True),
            keras.layers.Dense(vocab_size),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


class TargetWatch(keras.callbacks.Callback):
    """Every `every` training steps, the validation loss; `reached` is (seconds of training,
    steps, loss) when it first was at most `target`. The evaluations' own time is not counted."""

    def __init__(self, x_val, y_val, target, every):
        super().__init__()
        self.x_val, self.y_val, self.target, self.every = x_val, y_val, target, every
        self.steps, self.reached, self.paused = 0, None, 0.0

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if self.reached is None and self.steps % self.every == 0:
            paused = time.perf_counter()
            loss = self.model.evaluate(self.x_val, self.y_val, batch_size=256, verbose=0)
            now = time.perf_counter()
            self.paused += now - paused
            if loss <= self.target:
                self.reached = (now - self.start - self.paused, self.steps, loss)


def step_ms(window=64, batch=BATCH_SIZE, steps=20, vocab_size=65):
    """Milliseconds of one training step of the lab's LSTM(256) on `batch` windows of `window`
    characters, the median of `steps` steps after one to warm up: the machine's speed in the
    lab's own terms. The default shape is the one of issue 16's measurements (3,173 steps in
    180 s, 57 ms a step, on the day its targets were set)."""
    model = build(keras.layers.LSTM, vocab_size)
    rng = np.random.default_rng(0)
    x, y = (rng.integers(0, vocab_size, (batch, window)) for _ in range(2))
    model.train_on_batch(x, y)  # builds the model and traces the step
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def training_flops_per_char(model):
    """Floating-point operations of one training step per character: 6 per weight of the matrix
    products (2 forward, 4 backward: the usual 6N estimate), embeddings and biases aside."""
    weights = sum(
        int(np.prod(w.shape))
        for layer in model.layers
        if not isinstance(layer, keras.layers.Embedding)
        for w in layer.weights
        if len(w.shape) == 2
    )
    return 6 * weights


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--cells", nargs="+", default=["LSTM", "GRU"])
    parser.add_argument("--seq-length", type=int, default=SEQ_LENGTH)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    parser.add_argument("--schedule", choices=["cosine", "constant"], default=SCHEDULE)
    parser.add_argument("--target", type=float, help="also time the first val loss <= target")
    parser.add_argument("--eval-every", type=int, default=250, help="steps, with --target")
    parser.add_argument("--epochs", type=int, help="passes over the text instead of --seconds")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="starting weights")
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")

    text = utils.load_shakespeare()
    vocab = utils.CharVocab.from_text(text)
    ids = vocab.encode(text)
    split = int(0.9 * len(ids))
    length, batch = args.seq_length, args.batch_size
    train = utils.window_dataset(ids[:split], length, batch, shift=length, seed=0)
    steps_per_epoch = math.ceil(((split - length - 1) // length + 1) / batch)  # as in the lab
    x_val, y_val = utils.split_windows(ids[split:], VAL_LENGTH)
    print(f"# {platform.machine()}, {utils.environment_report()}")
    print(
        f"# windows of {length}, batches of {batch}, Adam learning rate {args.learning_rate}, "
        f"{args.schedule}, "
        + (f"{args.seconds:.0f} s" if args.epochs is None else f"{args.epochs} epoch(s)")
    )
    machine = matmul_gflops(2000, 2000, 2000)
    print(f"# the machine's float32 matmul (2000 x 2000): {machine:.0f} GFLOP/s")
    print(
        "| model | parameters | training steps | characters seen"
        " | val nats/char | bits/char | perplexity | training GFLOP/s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    runs = [(name, seed) for name in args.cells for seed in args.seeds]
    for name, seed in runs:
        utils.set_seed(seed)
        callbacks = []
        if args.epochs is None:  # a time budget; TimeBudget follows the schedule over the time
            model = build(getattr(keras.layers, name), len(vocab), args.learning_rate)
            cosine = args.learning_rate if args.schedule == "cosine" else None
            budget = TimeBudget(args.seconds, cosine_from=cosine)
            callbacks.append(budget)
            fit = dict(x=train.repeat(), steps_per_epoch=50, epochs=10**6)
        else:  # the lab's way: whole epochs, the schedule over their steps
            steps = args.epochs * steps_per_epoch
            rate = args.learning_rate
            if args.schedule == "cosine":
                rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps=steps)
            model = build(getattr(keras.layers, name), len(vocab), rate)
            fit = dict(x=train, epochs=args.epochs)
        if args.target is not None:
            watch = TargetWatch(x_val, y_val, args.target, args.eval_every)
            callbacks.append(watch)
        start = time.perf_counter()
        model.fit(**fit, verbose=0, callbacks=callbacks)
        seconds = time.perf_counter() - start
        if args.epochs is None:
            steps = budget.steps
        nats = model.evaluate(x_val, y_val, batch_size=256, verbose=0)
        chars = steps * batch * length
        gflops = chars * training_flops_per_char(model) / seconds / 1e9
        print(
            f"| {name}({UNITS}){f', seed {seed}' if len(args.seeds) > 1 else ''} "
            f"| {model.count_params():,} | {steps:,} in {seconds:.0f} s "
            f"| {chars / 1e6:.1f} M | {nats:.3f} "
            f"| {nats / math.log(2):.3f} | {math.exp(nats):.2f} | {gflops:.0f} |",
            flush=True,
        )
        if args.target is not None:
            reached = watch.reached
            print(
                f"# {name}: val loss {args.target} "
                + (
                    f"first reached after {reached[0]:.0f} s of training ({reached[1]:,} steps, "
                    f"{reached[2]:.3f}; checked every {args.eval_every} steps)"
                    if reached
                    else f"not reached in {seconds:.0f} s"
                ),
                flush=True,
            )


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
