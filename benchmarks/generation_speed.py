"""Generation speed: the slides' loop against the stateful one-step generator, same LSTM(256) model.

The slides' loop calls `model.predict` on the whole text so far for every new character, so each
character costs more than the one before. `utils.CharGenerator` carries the LSTM's (h, c) and does
one step per character. Both run the same model (its weights do not change the speed):

    python -m benchmarks.generation_speed --chars 500
"""

import argparse
import time

import keras
import numpy as np

import utils
from benchmarks.reference import slides_char_loop


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chars", type=int, default=500)
    args = parser.parse_args()

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
    seed_text = "ROMEO:\n"
    slides_char_loop(model, vocab, seed_text, 3, np.random.default_rng(0))  # warm up

    start = time.perf_counter()
    slides_char_loop(model, vocab, seed_text, args.chars, np.random.default_rng(0))
    slides = args.chars / (time.perf_counter() - start)

    generator = utils.CharGenerator(model, vocab)
    timings = []
    for repeat in range(3):
        start = time.perf_counter()
        generator.generate(seed_text, args.chars, seed=repeat)
        timings.append(time.perf_counter() - start)
    stateful = args.chars / min(timings)

    print(f"# {utils.environment_report()}")
    print(f"| method | chars/s ({args.chars} characters, LSTM(256)) |")
    print("|---|---|")
    print(f"| slides' loop: model.predict on the growing context | {slides:,.0f} |")
    print(f"| utils.CharGenerator: one stateful step per character | {stateful:,.0f} |")
    print(f"| ratio | {stateful / slides:,.0f}x |")


if __name__ == "__main__":
    main()
