"""Word-level BiLSTM (Lab 11-2, part 2): the slides' training and generation against the lab's.

Training, the same model and data both ways (the slides' Bidirectional LSTM, 789,200 parameters, or
its GRU version, 675,000, on the 1,504 n-gram sequences of the first 10,000 characters):

- the slides: one-hot labels, categorical cross-entropy, Adam (learning rate 0.001), batch 32,
  100 epochs;
- the lab: integer labels with sparse categorical cross-entropy, the recurrent layers unrolled
  on a CPU (`unroll=True`: 11 steps, no loop; on a GPU not, as it would turn off the cuDNN
  kernels), Adam with learning rate 0.003, batch 128, 80 epochs.

It reports time and final training accuracy for each, and the speed-up. Generation: 100 words from
the slides' seed with the slides' loop (`model.predict`, scan `word_index`) and with
`utils.WordGenerator`, greedy both, on the trained LSTM: words/s and the ratio.

    python -m benchmarks.word_bilstm_speed                     # everything, ~8 min on 2 CPU cores
    python -m benchmarks.word_bilstm_speed --cells lstm --part training
"""

import argparse
import time

import keras
import tensorflow as tf
from keras import layers

import utils
from benchmarks.reference import slides_word_loop

LAB_LR, LAB_BATCH, LAB_EPOCHS = 3e-3, 128, 80
SEED_TEXT = "First Servingman: A strange one as ever I looked on: I cannot get him!"


def build(cell, total_words, window, unroll=False):
    rnn = {"lstm": layers.LSTM, "gru": layers.GRU}[cell]
    return keras.Sequential(
        [
            keras.Input((window,)),
            layers.Embedding(total_words, 100),
            layers.Bidirectional(rnn(150, return_sequences=True, unroll=unroll)),
            rnn(100, unroll=unroll),
            layers.Dense(total_words // 2, activation="relu"),
            layers.Dense(total_words, activation="softmax"),
        ]
    )


UNROLL = not tf.config.list_physical_devices("GPU")  # as Lab 11-2b: cuDNN on a GPU needs a loop


def train(data, cell, way, scale=1.0):
    """Train the slides' way or the lab's; `scale` multiplies the epochs (a quick trial run)."""
    utils.set_seed(42)
    window = data.max_sequence_len - 1
    if way == "slides":
        model = build(cell, data.total_words, window)
        model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        labels, epochs = keras.utils.to_categorical(data.labels, data.total_words), 100
        batch_size = 32
    else:
        model = build(cell, data.total_words, window, unroll=UNROLL)
        model.compile(
            loss="sparse_categorical_crossentropy",
            optimizer=keras.optimizers.Adam(LAB_LR),
            metrics=["accuracy"],
        )
        labels, epochs, batch_size = data.labels, LAB_EPOCHS, LAB_BATCH
    epochs = max(1, round(epochs * scale))
    start = time.perf_counter()
    history = model.fit(data.predictors, labels, epochs=epochs, batch_size=batch_size, verbose=0)
    return model, time.perf_counter() - start, history.history["accuracy"][-1], epochs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["training", "generation", "all"], default="all")
    parser.add_argument("--cells", nargs="+", choices=["lstm", "gru"], default=["lstm", "gru"])
    parser.add_argument("--words", type=int, default=100)
    parser.add_argument("--epochs-scale", type=float, default=1.0, help="e.g. 0.02: a trial run")
    args = parser.parse_args(argv)

    data = utils.ngram_sequences(utils.load_shakespeare()[:10_000].lower().split("\n"))
    print(f"# {utils.environment_report()}")
    model = None
    if args.part in ("training", "all"):
        print("| model | training | epochs | time (s) | final accuracy |")
        print("|---|---|---|---|---|")
        for cell in args.cells:
            rows = {}
            for way in ("slides", "lab"):
                trained, seconds, accuracy, epochs = train(data, cell, way, args.epochs_scale)
                rows[way] = seconds
                print(f"| {cell.upper()} | {way} | {epochs} | {seconds:.1f} | {accuracy:.3f} |")
                if cell == "lstm" and way == "slides":
                    model = trained
            print(f"| {cell.upper()} | speed-up | | {rows['slides'] / rows['lab']:.2f}x | |")
    if args.part in ("generation", "all"):
        if model is None:  # the speed does not depend on the weights: a briefly trained LSTM
            utils.set_seed(42)
            model = build("lstm", data.total_words, data.max_sequence_len - 1)
            model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
            model.fit(data.predictors, data.labels, epochs=5, verbose=0)
        args_ = (model, data.tokenizer, SEED_TEXT, args.words, data.max_sequence_len)
        slides_word_loop(*args_[:3], 3, data.max_sequence_len)  # warm up
        start = time.perf_counter()
        slides_text = slides_word_loop(*args_)
        slides = args.words / (time.perf_counter() - start)
        generator = utils.WordGenerator(model, data.tokenizer, data.max_sequence_len)
        generator.generate(SEED_TEXT, 3, greedy=True)  # warm up (traces the compiled call)
        start = time.perf_counter()
        text = generator.generate(SEED_TEXT, args.words, greedy=True)
        fast = args.words / (time.perf_counter() - start)
        print(f"\n| method | words/s ({args.words} words, greedy) |")
        print("|---|---|")
        print(f"| slides' loop: re-tokenize, model.predict, scan word_index | {slides:,.1f} |")
        print(f"| utils.WordGenerator: one compiled call on the window | {fast:,.1f} |")
        print(f"| ratio | {fast / slides:,.1f}x |")
        print(f"\nsame words: {text == slides_text}")


if __name__ == "__main__":
    main()
