"""The character generator's fast path: `CharGenerator.generate`'s loop, one new character a step,
with the same maths as the NumPy cells of `utils.numpy_rnn` arranged to cost as little as possible
(tests/test_generate.py checks that both give the same scores and the same text).

Nothing here checks its arguments: `utils.generate` checks them once, then calls in. To learn how
text is generated, read `utils.generate` and `utils.numpy_rnn`; this module is only about speed.
"""

import numpy as np


def pick(cumulative, thresholds):
    """Per row, the first id whose cumulative weight reaches the row's threshold (the inverse of
    the distribution function at a uniform draw); the last id if rounding leaves none."""
    below = cumulative < thresholds[:, None]
    return np.minimum(below.sum(axis=-1), cumulative.shape[-1] - 1)


_CHUNK = 4096  # steps whose random draws are made at once (bounded memory for long texts)


def uniform_rows(rng, length, batch):
    """The uniform numbers `sample` would draw at each of `length` steps for `batch` texts, in the
    same order, one row per step, drawn a chunk of steps at a time."""
    for start in range(0, length, _CHUNK):
        yield from rng.random((min(_CHUNK, length - start), batch))


def draw(logits, temperature, draws):
    """`sample`'s draw from softmax(logits / temperature), for one uniform number per row, without
    its checks and in the logits' precision: the generator's plain sampling at every step."""
    z = logits / temperature if temperature != 1.0 else logits.copy()
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    cumulative = np.cumsum(z, axis=-1, out=z)  # not normalised: scale the draws instead
    return pick(cumulative, draws * cumulative[:, -1])


class Steps:
    """One new character for every text of a batch, through every layer, carrying the states:
    the loop of `CharGenerator.generate`, with the same arithmetic as `numpy_rnn`'s cells arranged
    to cost as little as possible per step.

    - The first layer's input is one character, so its input projection (Embedding row @ kernel +
      bias) takes one of only V values: they are computed once, as a table, and looked up.
    - sigmoid(x) = 1 / (1 + exp(-x)) and tanh(x) = 2 sigmoid(2x) - 1, so all four gates of an LSTM
      cost one exp: the kernels are scaled once by -1 (gates i, f, o) and -2 (candidate g).
    - Every array a step writes is allocated once, for the batch, and written in place.
    A step then costs one (batch x units) @ (units x 4 units) product per layer, the head's
    product and a few passes over (batch x 4 units) numbers, whatever the length of the text.
    """

    def __init__(self, layers, inputs, states):
        self.plan = []
        table = inputs  # what a character id selects: its input vector so far
        for (kind, weights), state in zip(layers, states):
            if kind == "embedding":
                continue  # folded into `table`
            if kind == "dense":
                kernel, bias = weights
                self.plan.append(("dense", kernel, bias, None, None))
                continue
            kernel, recurrent, bias = weights
            units = recurrent.shape[0]
            if kind == "lstm":
                scale = np.full(4 * units, -1.0, dtype=np.float32)
                scale[2 * units : 3 * units] = -2.0
                h, c = state
                buffers = (h.copy(), c.copy(), np.empty((len(h), 4 * units), np.float32))
                buffers += (np.empty_like(h),)
                kernel, bias = kernel * scale, bias * scale
                recurrent = (recurrent * scale).astype(np.float32)
            else:  # gru, reset_after: input and recurrent biases apart
                h = state
                buffers = (h.copy(), np.empty((len(h), 3 * units), np.float32))
                recurrent, bias = (recurrent, bias[1]), bias[0]
            if table is not None:  # this layer reads the characters: a table of V projections
                projection = (table @ kernel + bias).astype(np.float32)
                self.plan.append((kind, projection, recurrent, buffers, True))
                table = None
            else:
                projection = (kernel.astype(np.float32), bias.astype(np.float32))
                self.plan.append((kind, projection, recurrent, buffers, False))

    def __call__(self, ids):
        """The head's scores (batch, V) after feeding one character id per text."""
        x = None
        for kind, projection, recurrent, buffers, from_ids in self.plan:
            if kind == "dense":
                x = x @ projection + recurrent  # the head's kernel and bias
            elif kind == "lstm":
                h, c, z, tanh_c = buffers
                np.matmul(h, recurrent, out=z)
                z += projection[ids] if from_ids else x @ projection[0] + projection[1]
                np.exp(z, out=z)
                z += 1.0
                np.reciprocal(z, out=z)  # sigmoid of i, f, o; sigmoid(2x) for g
                units = h.shape[1]
                i, f, g, o = (z[:, k * units : (k + 1) * units] for k in range(4))
                g *= 2.0
                g -= 1.0  # tanh(g)
                c *= f
                i *= g
                c += i  # c = f * c + i * g
                np.multiply(c, -2.0, out=tanh_c)
                np.exp(tanh_c, out=tanh_c)
                tanh_c += 1.0
                np.reciprocal(tanh_c, out=tanh_c)
                tanh_c *= 2.0
                tanh_c -= 1.0  # tanh(c)
                np.multiply(o, tanh_c, out=h)
                x = h
            else:  # gru
                h, hz = buffers
                kernel_r, bias_r = recurrent
                xz = projection[ids] if from_ids else x @ projection[0] + projection[1]
                np.matmul(h, kernel_r, out=hz)
                hz += bias_r
                units = h.shape[1]
                update = 1.0 / (1.0 + np.exp(-(xz[:, :units] + hz[:, :units])))
                reset = 1.0 / (1.0 + np.exp(-(xz[:, units : 2 * units] + hz[:, units : 2 * units])))
                candidate = np.tanh(xz[:, 2 * units :] + reset * hz[:, 2 * units :])
                h -= candidate
                h *= update
                h += candidate  # h = z * h + (1 - z) * candidate
                x = h
        return x
