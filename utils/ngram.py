"""Lab 11-2's smoothed counting baseline: a character n-gram model with interpolated Kneser-Ney
(or Witten-Bell) smoothing.

An n-gram model predicts a character w from the n-1 characters h before it. Counting alone gives
p(w | h) = c(h w) / c(h), which is 0 for everything not seen after h. Interpolation mixes in the
model with one character less of context, h', all the way down to a uniform guess 1/V:

    p_0(w)      = 1 / V                                   (order 0: uniform)
    p_m(w | h)  = p_(m-1)(w | h')                          if h was never counted, else

    Kneser-Ney: p_m(w | h) = (max(c(h w) - D_m, 0) + D_m * N1+(h .) * p_(m-1)(w | h')) / c(h)
    Witten-Bell: p_m(w | h) = (c(h w) + N1+(h .) * p_(m-1)(w | h')) / (c(h) + N1+(h .))

where c(h) = sum over w of c(h w) and N1+(h .) is the number of different characters seen after h.
Both sum to 1 over w whenever p_(m-1) does: Kneser-Ney takes D_m from each of the N1+(h .) seen
characters and hands the D_m * N1+(h .) / c(h) it took to the shorter context.

Kneser-Ney's two ideas:
- one absolute discount D_m per order, here D_m = n1 / (n1 + 2 n2) from the count-of-counts
  (n1, n2: how many m-grams have count 1, 2), Ney, Essen & Kneser's estimate, no tuning;
- below the top order, c(h w) is the continuation count N1+(. h w): the number of different
  characters seen *before* h w. A lower order only speaks when the longer context is rare, so
  it should ask "in how many contexts does w follow h?", not "how often?".
Witten-Bell uses plain counts at every order and needs no discount.

Every m-gram of ids is stored as one integer, its base-V number, so counting is np.unique and
looking up is np.searchsorted (fine up to V**n < 2**63: 10-grams for 65 characters).

    model = fit(train_ids, 6, len(vocab), "kn")      # or "wb"
    nats(model, val_ids, before=train_ids)           # average -log p(next char), nats/char
"""

import numpy as np


def windows(ids, m):
    """Every m consecutive ids of `ids`, one per row: shape (len(ids) - m + 1, m).

    Not taught: used by `order_table` and `nats`.
    """
    return np.lib.stride_tricks.sliding_window_view(np.asarray(ids, dtype=np.int64), m)


def keys(grams, V):
    """Each row of ids as one integer, the base-V number it spells (m-grams as sortable keys).

    Not taught: used by `order_table` and `prob`. (Lab 11-2's add-k baseline, in its section on a
    counting baseline, writes the same `keys` by hand.)
    """
    key = np.zeros(len(grams), dtype=np.int64)
    for column in np.asarray(grams, dtype=np.int64).T:
        key = key * V + column
    return key


def lookup(table, values, query):
    """values[i] where table[i] == query (table sorted), and 0 for queries not in the table.

    Not taught: used by `prob`. (Lab 11-2's add-k baseline writes the same by hand, `counts_of`.)
    """
    if len(table) == 0:
        return np.zeros(len(query), dtype=np.int64)
    i = np.clip(np.searchsorted(table, query), 0, len(table) - 1)
    return np.where(table[i] == query, values[i], 0)


def order_table(train_ids, m, V, continuation):
    """One order's counts: each m-gram (h w) and its count; each context h, c(h) and N1+(h .).

    Not taught: used by `fit`, once per order.
    """
    if continuation:  # N1+(. h w): the distinct (m+1)-grams x h w, with their first id dropped
        grams, counts = np.unique(
            np.unique(keys(windows(train_ids, m + 1), V)) % V**m, return_counts=True
        )
    else:  # c(h w): how often h w occurs
        grams, counts = np.unique(keys(windows(train_ids, m), V), return_counts=True)
    # The grams are sorted, so those of one context h = gram // V are side by side.
    contexts, starts, followers = np.unique(grams // V, return_index=True, return_counts=True)
    n1, n2 = np.sum(counts == 1), np.sum(counts == 2)
    return dict(
        grams=grams,
        counts=counts,
        contexts=contexts,
        followers=followers,
        totals=np.add.reduceat(counts, starts) if len(counts) else counts,
        D=float(n1 / (n1 + 2 * n2)) if n1 else 0.5,
    )  # (no singletons at all: a middle value)


def fit(train_ids, n, V, method="kn", discounts=None):
    """The tables of orders m = 1..n (context length m - 1); method 'kn' or 'wb'.

    `discounts` (one per order, lowest first) replaces Kneser-Ney's count-of-counts estimate.

    Lab 11-2, "A smoothed count: Kneser-Ney".
    """
    if method not in ("kn", "wb"):
        raise ValueError(f"method must be 'kn' (Kneser-Ney) or 'wb' (Witten-Bell), got {method!r}")
    if V**n >= 2**63:
        raise ValueError(f"{n}-grams of {V} characters do not fit in int64 keys: use a smaller n")
    tables = [
        order_table(train_ids, m, V, continuation=(method == "kn" and m < n))
        for m in range(1, n + 1)
    ]
    for table, D in zip(tables, discounts or []):
        table["D"] = D
    return dict(V=V, n=n, method=method, tables=tables)


def prob(model, grams):
    """p(last id of each row | the ids before it), for rows of n ids: the recursion, order 0 up.

    Not taught: used by `nats`.
    """
    V = model["V"]
    grams = np.asarray(grams, dtype=np.int64).reshape(-1, model["n"])
    p = np.full(len(grams), 1.0 / V)  # order 0: uniform, so no probability is ever 0
    for m, t in enumerate(model["tables"], start=1):
        gram = keys(grams[:, grams.shape[1] - m :], V)  # the last m ids: h w
        c_hw = lookup(t["grams"], t["counts"], gram)
        c_h = lookup(t["contexts"], t["totals"], gram // V)
        n_h = lookup(t["contexts"], t["followers"], gram // V)
        if model["method"] == "kn":
            D = t["D"]
            mixed = (np.maximum(c_hw - D, 0) + D * n_h * p) / np.maximum(c_h, 1)
        else:  # Witten-Bell
            mixed = (c_hw + n_h * p) / np.maximum(c_h + n_h, 1)
        p = np.where(c_h > 0, mixed, p)  # an unseen context h: keep the shorter context's p
    return p


def nats(model, eval_ids, before=()):
    """Average -log p per character of eval_ids (nats/char), each predicted from the n-1 ids
    before it; for the first characters these come from the end of `before` (the training text).
    Characters with fewer than n-1 ids before them (if `before` is short) are not scored.

    Lab 11-2, "A smoothed count: Kneser-Ney".
    """
    n = model["n"]
    before = np.asarray(before, dtype=np.int64)[max(len(before) - (n - 1), 0) :]
    text = np.concatenate([before, np.asarray(eval_ids, dtype=np.int64)])
    return float(-np.log(prob(model, windows(text, n))).mean())
