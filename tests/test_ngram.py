"""utils.ngram, the smoothed counting baseline of Lab 11-2: probabilities that sum to 1, a
Kneser-Ney case worked by hand, and the fast version equal to the formula written as a loop."""

from collections import Counter

import numpy as np
import pytest

from utils import ngram


def check_sums(model, ids, count=5, seed=0):
    """The largest |sum over all V next characters of p(w | h) - 1| over `count` contexts seen in
    `ids` and `count` random ones (mostly never seen). Should be ~1e-15."""
    rng, V, n = np.random.default_rng(seed), model["V"], model["n"]
    starts = rng.integers(0, len(ids) - n + 2, count)
    seen = np.array([ids[s : s + n - 1] for s in starts]).reshape(count, n - 1)
    contexts = np.concatenate([seen, rng.integers(0, V, (count, n - 1))])
    grams = np.column_stack([np.repeat(contexts, V, axis=0), np.tile(np.arange(V), len(contexts))])
    return float(np.abs(ngram.prob(model, grams).reshape(-1, V).sum(axis=1) - 1).max())


TOY = "abracadabra"
LINES = (
    "the cat sat on the mat. the rat sat on the cat. a bat and a rat and a cat "
    "sat on a mat in the hat; that is that."
)


def encode(text):
    chars = sorted(set(text))
    return np.array([chars.index(c) for c in text]), len(chars)


@pytest.mark.parametrize("method", ["kn", "wb"])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_probabilities_sum_to_one(method, n):
    ids, V = encode(LINES)
    model = ngram.fit(ids, n, V, method)
    assert check_sums(model, ids, count=10) < 1e-9


def test_kneser_ney_by_hand():
    # abracadabra, ids a=0 b=1 c=2 d=3 r=4, bigram KN with D = 0.5 at both orders.
    # Unigram continuation counts N1+(. w): a follows r, c, d -> 3; b, c, d, r one each -> 7 in all.
    #   p1(b) = (1 - 0.5 + 0.5 * 5 types * 1/5) / 7 = 1/7,  p1(a) = (3 - 0.5 + 0.5) / 7 = 3/7
    # After 'a': ab twice, ac once, ad once -> c(a) = 4, N1+(a .) = 3.
    #   p(b | a) = (2 - 0.5 + 0.5 * 3 * 1/7) / 4 = 3/7
    #   p(a | a) = (0 + 0.5 * 3 * 3/7) / 4 = 9/56        (never seen: all from the unigram)
    ids, V = encode(TOY)
    model = ngram.fit(ids, 2, V, "kn", discounts=[0.5, 0.5])
    assert ngram.prob(model, [[0, 1], [0, 0]]) == pytest.approx([3 / 7, 9 / 56], abs=1e-12)


@pytest.mark.parametrize("method", ["kn", "wb"])
def test_longer_contexts_fit_the_training_text_no_worse(method):
    ids, V = encode(LINES)
    # The same characters (all but the first 5) scored by every order, context from the text.
    scores = [
        ngram.nats(ngram.fit(ids, n, V, method), ids[5:], before=ids[:5]) for n in range(1, 7)
    ]
    assert all(b <= a + 1e-12 for a, b in zip(scores, scores[1:])), scores


def slow_kn(ids, n, V, D, context, w):
    """The Kneser-Ney recursion with loops and dicts, to check the vectorised one."""
    ids, p = list(ids), 1 / V
    for m in range(1, n + 1):
        if m < n:  # continuation counts: distinct (m+1)-grams, counted by their last m ids
            counts = Counter(
                g[1:] for g in {tuple(ids[i : i + m + 1]) for i in range(len(ids) - m)}
            )
        else:
            counts = Counter(tuple(ids[i : i + m]) for i in range(len(ids) - m + 1))
        h = tuple(context[len(context) - (m - 1) :])
        c_h = sum(c for g, c in counts.items() if g[:-1] == h)
        n_h = sum(1 for g in counts if g[:-1] == h)
        if c_h:
            p = (max(counts.get(h + (w,), 0) - D[m - 1], 0) + D[m - 1] * n_h * p) / c_h
    return p


def test_matches_loops():
    ids, V = encode(LINES)
    rng = np.random.default_rng(1)
    model = ngram.fit(ids, 4, V, "kn")
    D = [t["D"] for t in model["tables"]]
    starts = rng.integers(0, len(ids) - 3, 20)
    grams = np.concatenate([[ids[s : s + 4] for s in starts], rng.integers(0, V, (20, 4))])
    fast = ngram.prob(model, grams)
    slow = [slow_kn(ids, 4, V, D, g[:-1], g[-1]) for g in grams]
    assert fast == pytest.approx(slow, abs=1e-12)
