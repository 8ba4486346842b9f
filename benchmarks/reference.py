"""What the benchmarks measure against, kept once: the slides' generation loops, as the slides
write them, and the wall-time budget for training. The tests import the loops too, to check that
`utils.WordGenerator` reproduces the slides' greedy output word for word."""

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


class TimeBudget(keras.callbacks.Callback):
    """Stop training once `seconds` of wall time have passed; `steps` counts the batches trained."""

    def __init__(self, seconds):
        super().__init__()
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds <= 0:
            raise ValueError(f"seconds must be a positive number, got {seconds!r}.")
        self.seconds = seconds
        self.steps = 0

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if time.perf_counter() - self.start > self.seconds:
            self.model.stop_training = True
