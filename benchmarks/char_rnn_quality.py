"""Quality in a time budget: how good a character model gets in 180 s of training on this machine.

Trains the char-LSTM configuration of labs/11-2_char_rnn.ipynb (and a GRU of the same size) on the
first 90% of tiny Shakespeare for a fixed wall time, then reports the loss on the last 10% in
nats per character (also bits per character and perplexity). Run by hand, on an otherwise idle
machine:

    python -m benchmarks.char_rnn_quality --seconds 180
"""

import argparse
import math
import platform
import time

import keras
import numpy as np

import utils
from benchmarks.reference import TimeBudget

# The configuration of labs/11-2_char_rnn.ipynb: keep the two in step.
SEQ_LENGTH, BATCH_SIZE, EMBEDDING_DIM, UNITS, LEARNING_RATE = 64, 32, 32, 256, 4e-3
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--cells", nargs="+", default=["LSTM", "GRU"])
    parser.add_argument("--seq-length", type=int, default=SEQ_LENGTH)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    args = parser.parse_args()

    text = utils.load_shakespeare()
    vocab = utils.CharVocab.from_text(text)
    ids = vocab.encode(text)
    split = int(0.9 * len(ids))
    length, batch = args.seq_length, args.batch_size
    train = utils.window_dataset(ids[:split], length, batch, shift=length, seed=0)
    x_val, y_val = utils.split_windows(ids[split:], VAL_LENGTH)
    print(f"# {platform.machine()}, {utils.environment_report()}")
    print(f"# windows of {length}, batches of {batch}, Adam learning rate {args.learning_rate}")
    print(
        "| model | parameters | training steps | characters seen"
        " | val nats/char | bits/char | perplexity |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in args.cells:
        utils.set_seed(0)
        model = build(getattr(keras.layers, name), len(vocab), args.learning_rate)
        budget = TimeBudget(args.seconds)
        start = time.perf_counter()
        model.fit(
            train.repeat(),
            steps_per_epoch=50,
            epochs=10**6,
            verbose=0,
            callbacks=[budget],
        )
        seconds = time.perf_counter() - start
        steps = budget.steps
        nats = model.evaluate(x_val, y_val, batch_size=256, verbose=0)
        print(
            f"| {name}({UNITS}) | {model.count_params():,} | {steps:,} in {seconds:.0f} s "
            f"| {steps * batch * length / 1e6:.1f} M | {nats:.3f} "
            f"| {nats / math.log(2):.3f} | {math.exp(nats):.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
