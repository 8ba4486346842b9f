"""What the benchmarks measure against, kept once: the slides' generation loops, as the slides
write them, the TensorFlow tutorial's one-step generator, the machine's matmul rate, and the
wall-time budget for training (with its cosine learning rate). The tests import them too, e.g. to
check that `utils.WordGenerator` reproduces the slides' greedy output word for word."""

import math
import time

import keras
import numpy as np


def slides_word_loop(model, tokenizer, seed_text, next_words, max_sequence_len):
    """The slides' next-word generation loop, line for line: re-tokenize and pad the whole text,
    `model.predict`, take the argmax, and find its word by scanning `word_index`."""
    from tensorflow.keras.preprocessing.sequence import pad_sequences

    for _ in range(next_words):
        token_list = tokenizer.texts_to_sequences([seed_text])[0]
        token_list = pad_sequences([token_list], maxlen=max_sequence_len - 1, padding="pre")
        predicted = np.argmax(model.predict(token_list, verbose=0), axis=1)
        output_word = ""
        for word, index in tokenizer.word_index.items():
            if index == predicted:
                output_word = word
                break
        seed_text += " " + output_word
    return seed_text


def slides_char_loop(model, vocab, seed_text, n_chars, rng):
    """The slides' loop applied to characters: re-run the model on the whole text so far for every
    new character, and sample the next one from the last step's scores (`utils.sample`)."""
    from utils import sample

    ids = list(vocab.encode(seed_text))
    for _ in range(n_chars):
        logits = model.predict(np.array([ids]), verbose=0)[0, -1]
        ids.append(int(sample(logits, rng)[0]))
    return vocab.decode(ids)


def matmul_gflops(m, k, n, repeats=3):
    """GFLOP/s of a float32 (m x k) @ (k x n) product with NumPy: the best of `repeats` timings of
    enough products to take about 0.1 s. With 2000 x 2000 x 2000 it is the machine's speed, printed
    beside every result (it varies from day to day); with a model's own shapes, its ceiling."""
    rng = np.random.default_rng(0)
    a, b = rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32)
    a @ b  # warm up
    flops = 2 * m * k * n
    products = max(1, round(1e10 / flops))  # about 0.1 s at 100 GFLOP/s
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(products):
            a @ b
        best = min(best, time.perf_counter() - start)
    return flops * products / best / 1e9


class TimeBudget(keras.callbacks.Callback):
    """Stop training once `seconds` of wall time have passed; `steps` counts the batches trained.

    With `cosine_from=lr`, it also sets the optimizer's learning rate before every batch, from
    `lr` down to 0 along half a cosine over the budget: the usual cosine schedule, with time in
    place of steps (how many steps fit in the budget depends on the machine)."""

    def __init__(self, seconds, cosine_from=None):
        super().__init__()
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds <= 0:
            raise ValueError(f"seconds must be a positive number, got {seconds!r}.")
        if cosine_from is not None and not (
            isinstance(cosine_from, (int, float)) and not isinstance(cosine_from, bool)
        ):
            raise ValueError(f"cosine_from must be a learning rate, got {cosine_from!r}.")
        self.seconds, self.cosine_from = seconds, cosine_from
        self.steps = 0

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_begin(self, batch, logs=None):
        if self.cosine_from is not None:
            done = min(1.0, (time.perf_counter() - self.start) / self.seconds)
            rate = self.cosine_from * 0.5 * (1 + math.cos(math.pi * done))
            self.model.optimizer.learning_rate.assign(rate)

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if time.perf_counter() - self.start > self.seconds:
            self.model.stop_training = True


class TutorialOneStep:
    """The TensorFlow text-generation tutorial's one-step generator (`OneStep`), on a trained
    Embedding -> LSTM -> Dense character model: a `tf.function` that runs the model on the newest
    character with `initial_state`, returns the LSTM's `return_state` (h, c) for the next call,
    and draws with `tf.random.categorical`. The tutorial's string lookups (`StringLookup`) are
    left out, so it is timed on ids, as `utils.CharGenerator` is; it shares the model's weights.
    https://www.tensorflow.org/text/tutorials/text_generation
    """

    def __init__(self, model, temperature=1.0):
        import tensorflow as tf

        embedding, lstm, dense = (layer for layer in model.layers if layer.weights)
        ids = keras.Input(shape=(None,), dtype="int32")
        h_in, c_in = keras.Input(shape=(lstm.units,)), keras.Input(shape=(lstm.units,))
        step_lstm = keras.layers.LSTM(lstm.units, return_sequences=True, return_state=True)
        x, h, c = step_lstm(embedding(ids), initial_state=[h_in, c_in])
        self.model = keras.Model([ids, h_in, c_in], [dense(x), h, c])
        step_lstm.set_weights(lstm.get_weights())
        self.units, self.temperature = lstm.units, temperature

        @tf.function
        def generate_one_step(ids, h, c):
            logits, h, c = self.model([ids, h, c])
            logits = logits[:, -1, :] / self.temperature
            next_ids = tf.squeeze(tf.random.categorical(logits, num_samples=1), axis=-1)
            return tf.cast(next_ids, tf.int32), logits, h, c

        self.generate_one_step = generate_one_step

    def generate(self, vocab, seed_text, length, batch=1):
        """`batch` continuations of `seed_text` by `length` characters, as the tutorial's loop
        makes them: the seed in one call, then one call per character."""
        import tensorflow as tf

        ids = tf.constant(np.tile(vocab.encode(seed_text), (batch, 1)), tf.int32)
        h = c = tf.zeros((batch, self.units))
        out = []
        for _ in range(length):
            next_ids, _, h, c = self.generate_one_step(ids, h, c)
            out.append(next_ids)
            ids = next_ids[:, None]
        return [seed_text + vocab.decode(row) for row in np.array(out).T]
