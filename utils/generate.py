"""Text generation: sampling strategies, a stateful one-step character generator, and a word
generator for next-word models.

The generator runs a trained Keras model (Embedding or one-hot input, then LSTM/GRU layers, then a
Dense layer) one character at a time with the NumPy cells of `utils.numpy_rnn`, carrying each
layer's state from step to step. Every new character costs one step, whatever the length of the
text so far. The slides' word generator (Lab 11-2b) instead re-runs `model.predict` for every new
word, on the text so far cut by `pad_sequences(maxlen=11)` to its last 11 words; written for
characters without that cut (the slides have no character loop), such a loop would cost one step
per character of the text so far.

Each `generate` step runs through `utils.fastgen`, the same maths as `numpy_rnn`'s cells arranged
for speed; reading the seed, `next_logits` and beam search use `numpy_rnn`'s cells themselves.
"""

import numpy as np

from . import args, numpy_rnn
from .fastgen import Steps, draw, pick, uniform_rows


def sampling_distribution(logits, temperature=1.0, top_k=None, top_p=None):
    """The probabilities a sampler draws the next token from, for each row of `logits`.

    `temperature` divides the logits (below 1 sharpens, above 1 flattens); `top_k` keeps only the k
    most likely tokens; `top_p` keeps the smallest set of most likely tokens whose probability adds
    up to at least p (nucleus sampling). What is kept is renormalised to sum to 1.
    Lab 11-2a, "Four ways to pick the next character".
    """
    args.sampling(temperature, top_k, top_p)
    z = args.logits(logits)
    with np.errstate(over="ignore"):  # a tiny temperature: -inf, a probability of 0
        z = (z - z.max(axis=-1, keepdims=True)) / temperature  # shifted first: no inf - inf
    probs = np.exp(z)
    probs /= probs.sum(axis=-1, keepdims=True)
    order = np.argsort(-probs, axis=-1, kind="stable")
    ranked = np.take_along_axis(probs, order, axis=-1)
    keep = np.ones_like(ranked, dtype=bool)
    if top_k is not None:
        keep[:, top_k:] = False
    if top_p is not None:
        cumulative = np.cumsum(ranked, axis=-1)
        before = np.concatenate([np.zeros_like(cumulative[:, :1]), cumulative[:, :-1]], axis=-1)
        keep &= before < top_p  # mass of the tokens ranked above this one
    kept = np.zeros_like(probs)
    np.put_along_axis(kept, order, np.where(keep, ranked, 0.0), axis=-1)
    kept /= kept.sum(axis=-1, keepdims=True)
    return kept.reshape(np.shape(logits))


def sample(logits, rng, greedy=False, temperature=1.0, top_k=None, top_p=None):
    """One token id per row of `logits` (batch, vocab): the argmax if `greedy`, else a draw.

    Lab 11-2a, "Four ways to pick the next character"."""
    logits = args.sample_request(logits, rng, greedy)  # the arguments, checked once
    if greedy:
        return logits.argmax(axis=-1)
    probs = sampling_distribution(logits, temperature, top_k, top_p)
    return pick(np.cumsum(probs, axis=-1), rng.random(len(probs)))


def distinct_share(tokens, n):
    """The share of distinct n-grams among all n-grams of `tokens` (characters of a string, or a
    list of words): 1.0 when nothing repeats, near 0 when the text loops.

    Lab 11-2a, "Greedy decoding repeats itself"."""
    args.tokens(tokens, n)  # the arguments, checked once
    pieces = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return len(set(pieces)) / len(pieces)


class CharGenerator:
    """Generate text from a trained character model, one step at a time, carrying the state.

    It runs the model's own layers with the NumPy cells of `utils.numpy_rnn`, and reads their
    weights at every `generate` and `next_logits` call: after more `fit`, it uses the new weights.
    A layer setting it cannot reproduce exactly (masking, a backwards RNN, a head that is not one
    score per character) is refused when it is built, with the reason.
    Lab 11-2a, "The same maths, faster: `CharGenerator`".
    """

    def __init__(self, model, vocab):
        self.model, self.vocab = model, vocab
        self._kinds = args.char_model(model, vocab)  # the arguments, checked once
        self._read()

    def _read(self):
        """Read each supported layer's kind and current weights (zero biases where it has none)
        into `self.layers`, and the input vectors into `self.inputs`."""
        self.layers = [(kind, _weights(layer)) for kind, layer in self._kinds]
        args.finite_weights(self.layers, self._kinds)
        kind, weights = self.layers[0]
        # The input of each id: its row of the Embedding, or a one-hot vector for one-hot models
        self.inputs = (
            weights[0] if kind == "embedding" else np.eye(len(self.vocab), dtype=np.float32)
        )

    def generate(
        self,
        seed_text,
        length,
        n_samples=None,
        greedy=False,
        temperature=1.0,
        top_k=None,
        top_p=None,
        seed=None,
    ):
        """Continue `seed_text` by `length` characters.

        Returns one string, or a list of `n_samples` strings generated together as one batch.
        `greedy` takes the most likely character each time; otherwise characters are drawn with
        `temperature`, `top_k` and `top_p` (see `sampling_distribution`). `seed` fixes the draws.
        """
        batch = args.generate_call(
            "char", seed_text, length, n_samples, greedy, temperature, top_k, top_p, seed
        )  # the arguments, checked once
        ids = self.vocab.encode(seed_text)
        if length == 0:
            return seed_text if n_samples is None else [seed_text] * batch
        self._read()  # the model's weights as they are now
        rng = np.random.default_rng(seed)
        states = [None] * len(self.layers)
        logits, states = self._run(np.tile(ids, (batch, 1)), states)  # read the seed once
        steps = Steps(self.layers, self.inputs, states)
        generated = np.empty((length, batch), dtype=np.int64)
        plain = not greedy and top_k is None and top_p is None
        draws = uniform_rows(rng, length, batch) if plain else None
        with np.errstate(over="ignore"):  # exp(large) = inf makes a gate exactly 0, as it should
            for t in range(length):
                if greedy:
                    next_ids = logits.argmax(axis=-1)
                elif plain:
                    next_ids = draw(logits, temperature, next(draws))
                else:
                    next_ids = sample(
                        logits, rng, temperature=temperature, top_k=top_k, top_p=top_p
                    )
                generated[t] = next_ids
                logits = steps(next_ids)  # one step per character
        texts = [seed_text + self.vocab.decode(row) for row in generated.T]
        return texts[0] if n_samples is None else texts

    def beam_search(self, seed_text, length, width=5, stop=None, alpha=0.7):
        """The `width` likeliest continuations of `seed_text` by beam search, best first, as
        (text, log-probability, score) tuples.

        Each continuation has at most `length` characters; with `stop` (a character, e.g. '\\n')
        a beam that writes it ends there, so continuations differ in length. They are ranked by
        log-probability / (number of characters) ** `alpha`: with `alpha=0` by the total
        log-probability, which favours short ones (every character costs probability), with
        `alpha=1` by the mean per character. Greedy decoding is `width=1`.
        """
        args.char_beam_request(seed_text, length, width, alpha, stop)  # checked once
        stop_id = None if stop is None else int(self.vocab.encode(stop)[0])
        self._read()
        logits, states = self._run(self.vocab.encode(seed_text)[None], [None] * len(self.layers))

        def advance(tokens, states, origin):
            kept = [None if s is None else _rows(s, origin) for s in states]
            return self._run(tokens[:, -1:], kept)

        found = _beam_search(logits, states, advance, width, length, stop_id, alpha)
        return [(seed_text + self.vocab.decode(t), lp, score) for t, lp, score in found]

    def next_logits(self, text):
        """The model's scores (logits) for the character that follows `text`."""
        args.string("text", text, "ROMEO:")
        self._read()
        logits, _ = self._run(self.vocab.encode(text)[None], [None] * len(self.layers))
        return logits[0]

    def _run(self, ids, states):
        """Feed ids (batch, steps) through every layer; return the last step's logits and states."""
        x = self.inputs[ids].astype(np.float32, copy=False)
        new_states = []
        for (kind, weights), state in zip(self.layers, states):
            if kind == "lstm":
                h0, c0 = state if state is not None else (None, None)
                x, h, c, _ = numpy_rnn.lstm_forward(x, *weights, h0, c0)
                new_states.append((h, c))
            elif kind == "gru":
                x, h, _ = numpy_rnn.gru_forward(x, *weights, state)
                new_states.append(h)
            else:
                new_states.append(None)
                if kind == "dense":
                    x = x @ weights[0] + weights[1]
        return x[:, -1], new_states


class WordGenerator:
    """Generate words from a trained next-word model (the slides' Tokenizer ids, pre-padded).

    Compared with the slides' loop it tokenizes the seed once, feeds the model only its window of
    the last `max_sequence_len - 1` ids through one compiled call (not `model.predict`), looks the
    word up in `tokenizer.index_word` instead of scanning `word_index`, never emits the padding id
    0, and can sample and forbid repeated n-grams. Lab 11-2b, "Test for the next generation".
    """

    def __init__(self, model, tokenizer, max_sequence_len):
        import tensorflow as tf

        # the model scores every id of the tokenizer: its words and the padding id 0
        self.vocab = args.word_model(model, tokenizer, max_sequence_len)  # checked once
        self.tokenizer = tokenizer
        self.window = max_sequence_len - 1
        self.softmax = getattr(model.layers[-1], "activation", None) is not None and (
            model.layers[-1].activation.__name__ == "softmax"
        )
        self._call = tf.function(lambda x: model(x, training=False))

    def generate(
        self,
        seed_text,
        n_words,
        n_samples=None,
        greedy=False,
        temperature=1.0,
        top_k=None,
        top_p=None,
        no_repeat_ngram=None,
        seed=None,
    ):
        """Continue `seed_text` by `n_words` words.

        Returns one string, or a list of `n_samples` strings generated together as one batch.
        `greedy` takes the most likely word each time, as the slides do; otherwise words are drawn
        with `temperature`, `top_k` and `top_p` (see `sampling_distribution`). With
        `no_repeat_ngram=n`, a word that would repeat an n-gram already in the text is never
        chosen (n=1: no word twice). `seed` fixes the draws.
        """
        batch = args.generate_call(
            "word", seed_text, n_words, n_samples, greedy, temperature, top_k, top_p, seed
        )  # the arguments, checked once
        args.whole("no_repeat_ngram", no_repeat_ngram, minimum=1, allow_none=True)
        ids = args.seed_ids(self.tokenizer.texts_to_sequences([seed_text])[0], seed_text)
        rng = np.random.default_rng(seed)
        tokens = [list(ids) for _ in range(batch)]
        for _ in range(n_words):
            logits = self.next_logits([row[-self.window :] for row in tokens])
            logits[:, 0] = -np.inf  # 0 is padding, not a word
            if no_repeat_ngram is not None:
                for row, scores in zip(tokens, logits):
                    banned = _repeating_words(row, no_repeat_ngram)
                    if len(banned) < np.isfinite(scores).sum():  # else: allow repeats, not nothing
                        scores[banned] = -np.inf
            for row, word in zip(tokens, sample(logits, rng, greedy, temperature, top_k, top_p)):
                row.append(int(word))
        index_word = self.tokenizer.index_word
        texts = [" ".join([seed_text] + [index_word[i] for i in row[len(ids) :]]) for row in tokens]
        return texts[0] if n_samples is None else texts

    def beam_search(self, seed_text, n_words, width=5, alpha=0.7):
        """The `width` likeliest continuations of `seed_text` by `n_words` words, by beam search,
        best first, as (text, log-probability, score) tuples; score = log-probability /
        n_words ** `alpha` (all have the same length here). Greedy decoding is `width=1`."""
        args.string("seed_text", seed_text, "the cat")
        args.beam_request("n_words", n_words, width, alpha)
        ids = args.seed_ids(self.tokenizer.texts_to_sequences([seed_text])[0], seed_text)

        def advance(tokens, memory, origin):
            logits = self.next_logits([ids + list(row) for row in tokens])
            logits[:, 0] = -np.inf  # 0 is padding, not a word
            return logits, memory

        first, _ = advance(np.zeros((1, 0), dtype=np.int64), None, None)
        found = _beam_search(first, None, advance, width, n_words, None, alpha)
        index_word = self.tokenizer.index_word
        return [
            (" ".join([seed_text] + [index_word[i] for i in t]), lp, score)
            for t, lp, score in found
        ]

    def next_logits(self, windows):
        """The model's log-probabilities of the next word, one row per window of word ids."""
        args.word_windows(windows, self.vocab)  # the argument, checked once
        x = np.zeros((len(windows), self.window), dtype=np.int32)
        for i, row in enumerate(windows):
            row = row[-self.window :]
            x[i, self.window - len(row) :] = row  # pre-padding, as in training
        scores = self._call(x).numpy().astype(np.float64)
        if self.softmax:
            with np.errstate(divide="ignore"):
                scores = np.log(scores)
        return scores


def _beam_search(logits, memory, advance, width, length, stop=None, alpha=0.7):
    """Beam search from the first step's `logits` (1, vocab) and the model's `memory`.

    `advance(tokens, memory, origin)` feeds the beams' new tokens (each row: a beam's tokens so
    far; `origin`: the row of the previous beams each one continues) and returns the next logits
    and memory. At each step the `width` likeliest continuations of all beams are kept; one that
    ends in the token `stop` is finished there. Returns (tokens, log-probability, score) for up to
    `width` candidates, best first, ranked by score = log-probability / len(tokens) ** alpha.
    """
    tokens, logp, finished = np.zeros((1, 0), dtype=np.int64), np.zeros(1), []
    for step in range(length):
        z = np.asarray(logits, dtype=np.float64)
        z = z - z.max(axis=-1, keepdims=True)
        with np.errstate(divide="ignore"):
            log_probs = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        total = (logp[:, None] + log_probs).ravel()
        order = np.argsort(-total, kind="stable")[: 2 * width]  # enough to keep `width` going
        keep = []
        for index in order:
            origin, token = divmod(int(index), log_probs.shape[1])
            if not np.isfinite(total[index]):
                break
            if token == stop:
                finished.append((np.append(tokens[origin], token), total[index]))
            elif len(keep) < width:
                keep.append((origin, token, total[index]))
        if not keep:
            tokens = np.zeros((0, tokens.shape[1] + 1), dtype=np.int64)
            break
        origin = np.array([k[0] for k in keep])
        tokens = np.concatenate([tokens[origin], [[k[1]] for k in keep]], axis=1)
        logp = np.array([k[2] for k in keep])
        if step < length - 1:
            logits, memory = advance(tokens, memory, origin)
    candidates = finished + list(zip(tokens, logp))
    ranked = sorted(
        ((list(map(int, t)), float(lp), float(lp) / len(t) ** alpha) for t, lp in candidates),
        key=lambda c: -c[2],
    )
    return ranked[:width]


def _repeating_words(tokens, n):
    """The words that would complete an n-gram already present in `tokens`."""
    if n == 1:
        return sorted(set(tokens))
    prefix = tokens[len(tokens) - (n - 1) :]
    if len(prefix) < n - 1:
        return []
    return sorted(
        {tokens[i + n - 1] for i in range(len(tokens) - n + 1) if tokens[i : i + n - 1] == prefix}
    )


def _rows(state, origin):
    """A layer's state (an array, or a tuple of arrays such as (h, c)) for the rows `origin`."""
    return tuple(s[origin] for s in state) if isinstance(state, tuple) else state[origin]


def _weights(layer):
    """The layer's current weights, with a bias of zeros where it was built with use_bias=False."""
    import keras

    weights = layer.get_weights()
    if isinstance(layer, keras.layers.Embedding) or layer.use_bias:
        return weights
    if isinstance(layer, keras.layers.Dense):
        return [*weights, np.zeros(layer.units, dtype=weights[0].dtype)]
    units = weights[1].shape[0]
    shape = (4 * units,) if isinstance(layer, keras.layers.LSTM) else (2, 3 * units)
    return [*weights, np.zeros(shape, dtype=weights[0].dtype)]
