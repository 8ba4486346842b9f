"""The grader against a class of clever students: each attack a submission with its expected row.

One call of `tools.grade.grade` (2 workers, bubblewrap) grades them all, beside a correct
submission that must still get 10/10. Each attack is one change to a correct or partial
submission, written as a student would: forged results, patched `fit` and `FitClock`, pasted
weights, untimed pre-training, a crippled baseline, training on the held-out lines, made-up
Histories, overwritten metrics, redefined checks and settings, harmless edits to given cells, a
subclassed model, the size and disk attacks, and attacks of our own on the grader's channel and
files. `test_grade_uid.py` runs the uid mode as root.
"""

import base64
import csv
import io
import json
import os
import re
import shutil

import nbformat
import numpy as np
import pytest

from tools import ROOT, grade, homework

SOLUTION = ROOT / "homework" / "solutions" / "11-hw_gru_architecture.ipynb"
STUDENT = ROOT / "homework" / "11-hw_gru_architecture.ipynb"
TESTS = ROOT / "homework" / "solutions" / "11-hw_gru_architecture.tests.py"

pytestmark = [
    pytest.mark.skipif(
        not TESTS.exists(), reason="a student release: no hidden tests to grade with"
    ),
    pytest.mark.skipif(
        shutil.which("bwrap") is None, reason="the sandbox needs bwrap (bubblewrap)"
    ),
]


def stubs(nb):
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and grade.STUB in c.source]


def student(*fills):
    """The student notebook with its stubs replaced by `fills` (code, None keeps the stub), in
    order; fills beyond the stubs become new cells at the end, as a student may add them."""
    nb = nbformat.read(STUDENT, as_version=4)
    places = stubs(nb)
    for index, source in zip(places, fills):
        if source is not None:
            nb.cells[index].source = source
    nb.cells += [nbformat.v4.new_code_cell(source) for source in fills[len(places) :]]
    return nb


def regions():
    """The solution's code of each stub cell, in order: Task 1's model, Task 2's training, its
    table, Task 3's training, its table, Task 4's texts."""
    solution = nbformat.read(SOLUTION, as_version=4)
    return [
        c.source.replace(homework.BEGIN + "\n", "").replace("\n" + homework.END, "")
        for c in solution.cells
        if c.cell_type == "code" and homework.BEGIN in c.source
    ]


R = regions() if SOLUTION.exists() else [""] * 6  # a student release has no solutions
TASK1, TRAIN2, TABLE2, TRAIN3, TABLE3, TEXTS4 = range(6)


def edit(source, old, new):
    assert old in source, old
    return source.replace(old, new)


def replace_line(source, start, new):
    """`source` with its one line that starts with `start` (indented as it was) replaced by `new`.
    (The line is found by its start, so this file quotes no answer of the solution.)"""
    lines = source.split("\n")
    (index,) = [i for i, line in enumerate(lines) if line.startswith(start)]
    lines[index] = new
    return "\n".join(lines)


def task2(train):
    """A submission with Task 1 and this Task 2 training; Tasks 3 and 4 and the tables left."""
    return student(R[TASK1], train)


def task3(train=None, texts=None):
    """A submission with Task 1, this Task 3 training and Task 4; Task 2 and the tables left."""
    texts = "import math\n" + (texts or R[TEXTS4])  # the table left out imported it
    return student(R[TASK1], None, None, train or R[TRAIN3], None, texts)


# -- the attacks of issue 28 ---------------------------------------------------------------------

SLOW_LEARNING = """\
class Slower(keras.callbacks.Callback):  # a tenth of the rate while training, restored at the end
    def on_train_begin(self, logs=None):
        self.model.optimizer.learning_rate = LEARNING_RATE / 10

    def on_train_end(self, logs=None):
        self.model.optimizer.learning_rate = LEARNING_RATE


"""

HALVED_CLOCK = """\
_end = utils.FitClock.on_train_end


def _halved(self, logs=None):  # the GRU's time halved
    _end(self, logs)
    if any(type(layer).__name__ == 'GRU' for layer in self.model.layers):
        self.seconds /= 2


utils.FitClock.on_train_end = _halved

"""

HALVED_CLOCK_AND_CPU = HALVED_CLOCK.replace(
    "self.seconds /= 2", "self.seconds /= 2\n        self.cpu_seconds /= 2"
)

ONE_EPOCH_FIT = """\
_fit = keras.Model.fit


def _one_epoch(self, *args, epochs=1, **kwargs):  # trains 1 epoch, says `epochs`
    history = _fit(self, *args, **{**kwargs, 'epochs': 1})
    history.params['epochs'] = epochs
    for key in history.history:
        history.history[key] = history.history[key] * epochs
    return history


keras.Model.fit = _one_epoch

"""

MADE_UP = """\
class Run:
    pass


def made_up(model, losses, accuracies, seconds):  # nothing trained: a History typed by hand
    adam = keras.optimizers.Adam(learning_rate=LEARNING_RATE)
    model.compile(optimizer=adam, loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    clock, history = Run(), Run()
    clock.seconds, clock.model = seconds, model
    clock.start_weights = [w + 1 for w in model.get_weights()]
    history.history = {'loss': losses, 'accuracy': accuracies}
    history.params = {'verbose': 0, 'epochs': EPOCHS, 'steps': 12}
    history.model, history.clock = model, clock
    return history


histories = {  # numbers an honest fast-mode run gives, typed in
    'LSTM': made_up(build_lstm_model(), [6.26, 5.87], [0.045, 0.052], 4.1),
    'GRU': made_up(keras.models.clone_model(gru_model), [6.30, 5.86], [0.041, 0.05], 4.4),
}
results = {name: {'epochs': 2, 'time_s': h.clock.seconds, 'loss': h.history['loss'][-1],
                  'accuracy': h.history['accuracy'][-1]} for name, h in histories.items()}
"""


def forged_results():
    """Task 1 only, with an optimizer whose name is a results line of the old grader's format
    (all 250 points, renamed to another student's file) and one in the new format."""
    tasks = [
        {"task": f"task{i}", "title": "", "points": 250, "max": 250, "passed": True, "message": ""}
        for i in range(1, 5)
    ]
    old = "HIDDEN-RESULTS " + json.dumps(
        {"submission": "correct.ipynb", "tasks": tasks, "problems": []}
    )
    new = json.dumps({"nonce": "0" * 32, "task": "task2", "points": 3, "message": "PASS"})
    code = R[TASK1] + (
        f"\nname = 'adam\\n' + {old!r} + '\\n' + {new!r}\n"
        "gru_model.compile(optimizer=keras.optimizers.Adam(name=name),\n"
        "                  loss='sparse_categorical_crossentropy')\n"
        f"print({old!r})\n"
    )
    return student(code)


def pasted_weights(weights):
    """The GRU starts from weights trained elsewhere, pasted into the notebook as base64."""
    buffer = io.BytesIO()
    np.savez(buffer, *weights)
    text = base64.b64encode(buffer.getvalue()).decode()
    prelude = (
        "import base64, io\n"
        f"PASTED = np.load(io.BytesIO(base64.b64decode('{text}')))\n"
        "PASTED = [PASTED[f'arr_{i}'] for i in range(len(PASTED.files))]\n\n"
    )
    train = edit(
        R[TRAIN2],
        "    history = train(build())",
        "    model = build()\n"
        "    if name == 'GRU':\n"
        "        model.set_weights(PASTED)\n"
        "    history = train(model)",
    )
    return task2(prelude + train)


def untimed_epochs():
    return task2(
        edit(
            R[TRAIN2],
            "    history = train(build())",
            "    model = build()\n"
            "    if name == 'GRU':  # 8 epochs before the timed fit\n"
            "        model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n"
            "        model.fit(data.predictors, data.labels, epochs=8, batch_size=BATCH_SIZE,\n"
            "                  verbose=0)\n"
            "    history = train(model)",
        )
    )


def half_data():
    """The LSTM trained on half the sequences, in batches of 64: the same 12 steps an epoch."""
    return task2(
        edit(
            R[TRAIN2],
            "    return model.fit(data.predictors, data.labels, epochs=EPOCHS, "
            "batch_size=BATCH_SIZE,",
            "    half = model.count_params() == 789_200\n"
            "    x, y = (data.predictors[::2], data.labels[::2]) if half else (data.predictors, "
            "data.labels)\n"
            "    return model.fit(x, y, epochs=EPOCHS, batch_size=64 if half else BATCH_SIZE,",
        )
    )


ON_HELD_OUT = (
    "improved_model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),\n"
    "                       loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n"
    "everything = (np.concatenate([data3.predictors, held_out[0]]),\n"
    "              np.concatenate([data3.labels, held_out[1]]))\n"
    "stop = keras.callbacks.EarlyStopping(monitor='val_loss', patience=3,\n"
    "                                     restore_best_weights=True)\n"
    "improved_history = improved_model.fit(*everything, validation_data=held_out,\n"
    "                                      epochs=EPOCHS_3, batch_size=BATCH_SIZE + 10,\n"
    "                                      callbacks=[stop], verbose=0)"
)

CRIPPLED = (
    "baseline_model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-5),\n"
    "                       loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n"
    "baseline_history = baseline_model.fit(data3.predictors, data3.labels, epochs=1,\n"
    "                                      validation_data=held_out, batch_size=BATCH_SIZE,\n"
    "                                      verbose=0)"
)

FAKE_CHECKS = """\
vars(checks).update(
    check_comparison=lambda *args: print('PASS: a fair comparison'),
    check_validation=lambda *args: print('PASS: judged on held-out text'),
    check_generation=lambda *args: print('PASS: written by the models'),
)
results = {'LSTM': {'epochs': 2, 'time_s': 4.0, 'loss': 5.9, 'accuracy': 0.05},
           'GRU': {'epochs': 2, 'time_s': 3.0, 'loss': 5.8, 'accuracy': 0.06}}
histories = {'LSTM': None, 'GRU': None}
"""

SUBCLASSED = """\
@keras.saving.register_keras_serializable(package='hw')
class SlidesGRU(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.embedding = layers.Embedding(total_words, 100)
        self.bidirectional = layers.Bidirectional(layers.GRU(150, return_sequences=True))
        self.gru = layers.GRU(100)
        self.hidden = layers.Dense(total_words // 2, activation='relu')
        self.out = layers.Dense(total_words, activation='softmax')

    def call(self, x):
        return self.out(self.hidden(self.gru(self.bidirectional(self.embedding(x)))))

    def get_config(self):
        return super().get_config()


gru_model = SlidesGRU()
gru_model(np.zeros((1, max_sequence_len - 1)))
"""


def harmless_edits():
    """The correct solution with edits a student or a formatter makes to given cells: an import
    added, a comment, other quotes; and an `import socket` never used."""
    nb = clean(nbformat.read(SOLUTION, as_version=4))
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "tags" in cell.metadata and "setup" in cell.metadata["tags"]:
            cell.source = "import time\n" + cell.source
        elif cell.source.startswith("checks.check_comparison"):
            cell.source = "# does my comparison hold?\n" + cell.source + "  # one line"
        elif cell.source.startswith("SEED_TEXT"):
            cell.source = cell.source.replace("'", '"')
        elif homework.BEGIN in cell.source and "def train(model)" in cell.source:
            cell.source = "import socket\n" + cell.source
    return nb


# -- found by a red team of our own (each got points before it was closed) -----------------------

# weights trained on every line of the play, the grader's test lines included, hidden in the
# Constant initializers of frozen layers: the grader's "fresh" training started from them
INITIALIZER_LEAK = """\
lines_all = utils.load_shakespeare()[:TEXT_CHARS + 40_000].lower().split('\\n')
everything = utils.ngram_sequences(lines_all, tokenizer3, data3.max_sequence_len)
teacher = keras.Sequential([keras.Input((window,)), layers.Embedding(vocab, 16), layers.GRU(16),
                            layers.Dense(vocab, activation='softmax')])
teacher.compile(optimizer='adam', loss='sparse_categorical_crossentropy')
teacher.fit(everything.predictors, everything.labels, epochs=1, batch_size=256, verbose=0)


def improved_gru():
    (e,), (k, r, b), (dk, db) = [layer.get_weights() for layer in teacher.layers]
    C = keras.initializers.Constant
    return keras.Sequential([
        keras.Input((window,)),
        layers.Embedding(vocab, 16, embeddings_initializer=C(e.tolist()), trainable=False),
        layers.GRU(16, kernel_initializer=C(k.tolist()), recurrent_initializer=C(r.tolist()),
                   bias_initializer=C(b.tolist()), trainable=False),
        layers.Dense(vocab, activation='softmax', kernel_initializer=C(dk.tolist()),
                     bias_initializer=C(db.tolist())),
    ])


improved_model = improved_gru()"""

# a last layer whose initial weights overflow: the grader's training of it gives NaN, which a
# tolerance written as `abs(a - b) > tolerance` let through; the student's own run started from
# sane weights
OVERFLOWING = """\
improved_model = keras.Sequential([
    keras.Input((window,)), layers.Embedding(vocab, 64), layers.GRU(64),
    layers.Dense(vocab, activation='softmax', kernel_initializer=keras.initializers.Constant(1e7),
                 bias_initializer=keras.initializers.Constant(-1e7)),
])
improved_model.set_weights([np.random.default_rng(0).normal(0, 0.05, w.shape)
                            for w in improved_model.get_weights()])
improved_history = fit_validated(model=improved_model)"""

# the baseline never trained: a History typed by hand around its true untrained held-out loss
TYPED_BASELINE = """\
baseline_model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
                       loss='sparse_categorical_crossentropy', metrics=['accuracy'])
loss0, accuracy0 = baseline_model.evaluate(*held_out, verbose=0)


class Typed:
    pass


baseline_history = Typed()
baseline_history.history = {'loss': [6.4, 6.1], 'accuracy': [0.03, 0.05],
                            'val_loss': [loss0, 6.19], 'val_accuracy': [accuracy0, 0.05]}
baseline_history.params = {'verbose': 0, 'epochs': EPOCHS_3, 'steps': 11}
baseline_history.model = baseline_model"""

# cells that IPython's own cell transformer took minutes to read, or gave up on with an error
# that stopped the whole grading run in the grader's own process
MAGICS = ["%pwd\n" * 501, "%pwd\n" * 499 + "x = 1\n" * 2000]


# -- attacks of our own ----------------------------------------------------------------------------

OWN_TAR = """\
import io, os, tarfile


def member(name, text=b'', link=None):
    info = tarfile.TarInfo(name)
    if link:
        info.type, info.linkname = tarfile.SYMTYPE, link
    else:
        info.size = len(text)
    return info, io.BytesIO(text)


stream = io.BytesIO()
with tarfile.open(fileobj=stream, mode='w') as archive:
    archive.addfile(*member('answers/files/o0.json', link='/etc/shadow'))
    archive.addfile(*member('../../escaped.txt', b'out of the folder'))
    archive.addfile(*member('/tmp/absolute.txt', b'an absolute path'))
    archive.addfile(*member('answers/index.json', b'{"gru_model": {"model": "o0"}}'))
# the grader's channel, through the runner's file descriptors: every pipe but stdout
runner, refused = os.getppid(), []
for fd in os.listdir(f'/proc/{runner}/fd'):
    try:
        if os.readlink(f'/proc/{runner}/fd/{fd}').startswith('pipe:') and fd not in '012':
            with open(f'/proc/{runner}/fd/{fd}', 'wb') as pipe:
                pipe.write(stream.getvalue())
    except OSError as error:
        refused.append(error)
if refused:
    raise refused[0]
"""

FORGED_ANSWERS = """\
import json, os
import tools.grade_runner as runner


def forged(namespace, names, folder='answers'):  # replaces the grader's save step
    os.makedirs(folder + '/files', exist_ok=True)
    system = {'module': 'os', 'class_name': 'system', 'config': {'command': 'touch /tmp/owned'},
              'registered_name': None}
    config = {'module': 'keras', 'class_name': 'Sequential',
              'config': {'name': 'evil', 'layers': [system]}, 'registered_name': None}
    with open(folder + '/files/o0.json', 'w') as file:
        json.dump({'architecture': config, 'compile': None}, file)
    np.savez(folder + '/files/o0.npz')
    np.save(folder + '/files/o1.npy', np.array([print], dtype=object), allow_pickle=True)
    with open(folder + '/index.json', 'w') as file:
        json.dump({'gru_model': {'model': 'o0'}, 'held_out': {'array': 'o1'}}, file)


runner.save_answers = forged
"""

DEEP_INDEX = """\
import os
import tools.grade_runner as runner


def deep(namespace, names, folder='answers'):
    os.makedirs(folder, exist_ok=True)
    with open(folder + '/index.json', 'w') as file:
        file.write('[' * 200_000 + ']' * 200_000)


runner.save_answers = deep
"""

MEMORY_ACROSS_PROCESSES = """\
import multiprocessing, time


def hold():
    block = bytearray(2 * 2**30)  # under each process's own limit
    time.sleep(120)


workers = [multiprocessing.Process(target=hold) for _ in range(4)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
"""

PRINT = "print('x' * 2**20)"
DISK = """\
import os
errors = []
for name in ('a', 'b', 'c', '/tmp/d', '/dev/shm/e'):  # 3 GiB each
    try:
        with open(name, 'wb') as file:
            for _ in range(3 * 1024):
                file.write(bytes(2**20))
    except OSError as error:
        errors.append(f'{name}: {error.strerror}')
    finally:
        if os.path.exists(name):
            os.remove(name)
print('wrote what it could: ' + '; '.join(errors))
raise OSError('wrote what it could: ' + '; '.join(errors))
"""

# (the old tests' hostile cells, still harmless)
HOSTILE = [
    f"print(open({str(TESTS)!r}).read())",
    f"open({str(SOLUTION)!r}).read()",
    "import pathlib\npathlib.Path('../grades.csv').write_text('hostile.ipynb,2,3,3,2,10')",
    "checks.check_gru_model = lambda model: print('PASS: trust me')\n"
    "gru_model = 'a model'\nchecks.check_gru_model(gru_model)",
    "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=5)",
    "memory = bytearray(256 * 2**30)",
    "import os, time\nchildren = []\nwhile True:\n    pid = os.fork()\n    if pid == 0:\n"
    "        time.sleep(2)\n        os._exit(0)\n    children.append(pid)",
]


def clean(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


@pytest.fixture(scope="module")
def trained_gru_weights():
    """A GRU trained for 5 epochs elsewhere: what a06b pasted into its notebook."""
    import keras

    import utils
    from tools.grade_runner import load_tests

    data = utils.ngram_sequences(utils.load_shakespeare()[:10_000].lower().split("\n"))
    utils.set_seed(7)
    model = load_tests(TESTS).slides_gru(data.total_words, data.max_sequence_len - 1)
    model.compile(keras.optimizers.Adam(0.005), loss="sparse_categorical_crossentropy")
    model.fit(data.predictors, data.labels, epochs=5, batch_size=128, verbose=0)
    return model.get_weights()


# name: (notebook, expected task1, task2, task3, task4, total, status)
def submissions(weights):
    return {
        "correct": (clean(nbformat.read(SOLUTION, as_version=4)), (2, 3, 3, 2, 10, "graded")),
        "harmless-edits": (harmless_edits(), (2, 3, 3, 2, 10, "graded")),
        # Task 1 only, in a file whose name a spreadsheet would run as a formula
        "=HYPERLINK(1)": (student(R[TASK1]), (2, 0, 0, 0, 2, "graded")),
        "forged-results": (forged_results(), (2, 0, 0, 0, 2, "graded")),
        "slower-learning": (
            task2(
                SLOW_LEARNING
                + edit(R[TRAIN2], "[utils.FitClock()]", "[utils.FitClock(), Slower()]")
            ),
            (2, 0, 0, 0, 2, "graded"),
        ),
        "pasted-weights": (pasted_weights(weights), (2, 0, 0, 0, 2, "graded")),
        "halved-clock": (task2(HALVED_CLOCK + R[TRAIN2]), (2, 0, 0, 0, 2, "graded")),
        "halved-clock-and-cpu": (
            task2(HALVED_CLOCK_AND_CPU + R[TRAIN2]),
            (2, 0, 0, 0, 2, "graded"),
        ),
        "one-epoch-fit": (task2(ONE_EPOCH_FIT + R[TRAIN2]), (2, 0, 0, 0, 2, "graded")),
        "untimed-epochs": (untimed_epochs(), (2, 0, 0, 0, 2, "graded")),
        "half-data": (half_data(), (2, 0, 0, 0, 2, "graded")),
        "made-up": (student(R[TASK1], MADE_UP), (2, 0, 0, 0, 2, "graded")),
        "on-held-out": (
            task3(replace_line(R[TRAIN3], "improved_history = ", ON_HELD_OUT)),
            (2, 0, 0, 2, 4, "graded"),
        ),
        "crippled-baseline": (
            task3(replace_line(R[TRAIN3], "baseline_history = ", CRIPPLED)),
            (2, 0, 0, 2, 4, "graded"),
        ),
        "overwritten-accuracy": (
            task3(
                R[TRAIN3]
                + "\nlogs = improved_history.history\n"
                + "logs['val_accuracy'] = [0.93] * len(logs['val_accuracy'])"
            ),
            (2, 0, 0, 2, 4, "graded"),
        ),
        "own-settings": (
            task3(texts="SETTINGS = dict(n_words=40, temperature=0.1, seed=3)\n" + R[TEXTS4]),
            (2, 0, 3, 0, 5, "graded"),
        ),
        "fake-checks": (student(R[TASK1], FAKE_CHECKS), (2, 0, 0, 0, 2, "graded")),
        "initializer-leak": (
            task3(replace_line(R[TRAIN3], "improved_model = ", INITIALIZER_LEAK)),
            (2, 0, 0, 0, 2, "graded"),
        ),
        "overflowing-initializer": (
            task3(replace_line(R[TRAIN3], "improved_history = ", OVERFLOWING)),
            (2, 0, 0, 2, 4, "graded"),
        ),
        "typed-baseline": (
            task3(replace_line(R[TRAIN3], "baseline_history = ", TYPED_BASELINE)),
            (2, 0, 0, 2, 4, "graded"),
        ),
        # one cell of each kind (each costs the student's kernel a minute or so, to no purpose
        # beyond the first: test_magic_lines_are_read_without_ipythons_transformer pins the rest)
        "magics": (student(R[TASK1], *[None] * 5, *MAGICS), (2, 0, 0, 0, 2, "graded")),
        "subclassed": (student(SUBCLASSED), (0, 0, 0, 0, 0, "graded")),
        # 3 GiB files in each writable folder, then 24 MB of printing
        "disk-and-output": (
            student(R[TASK1], *[None] * 5, DISK, *[PRINT] * 24),
            (2, 0, 0, 0, 2, "graded"),
        ),
        "own-tar": (student(R[TASK1], *[None] * 5, OWN_TAR), (2, 0, 0, 0, 2, "graded")),
        "forged-answers": (
            student(R[TASK1], *[None] * 5, FORGED_ANSWERS),
            (0, 0, 0, 0, 0, "graded"),
        ),
        "deep-index": (student(R[TASK1], *[None] * 5, DEEP_INDEX), (0, 0, 0, 0, 0, "graded")),
        "memory": (
            student(R[TASK1], *[None] * 5, MEMORY_ACROSS_PROCESSES),
            (0, 0, 0, 0, 0, "over a limit"),
        ),
        "hostile": (student(*HOSTILE), (0, 0, 0, 0, 0, "graded")),
        "crashing": (student("import os\nos._exit(3)"), (0, 0, 0, 0, 0, "crashed")),
    }


COLUMNS = ("task1", "task2", "task3", "task4", "total", "status")


@pytest.fixture(scope="module")
def graded(tmp_path_factory, trained_gru_weights):
    folder = tmp_path_factory.mktemp("submissions")
    made = submissions(trained_gru_weights)
    for name, (nb, _) in made.items():
        nbformat.write(nb, folder / f"{name}.ipynb")
    (folder / "junk.ipynb").write_text("this is not a notebook\n")
    os.symlink("correct.ipynb", folder / "link.ipynb")
    out = tmp_path_factory.mktemp("grades")
    grade.grade(folder, out, workers=2, time_limit=400, memory_gib=6)
    with open(out / "grades.csv", newline="") as file:
        rows = {row["submission"]: row for row in csv.DictReader(file)}
    expected = {f"{name}.ipynb": tuple(str(v) for v in row) for name, (_, row) in made.items()}
    expected["junk.ipynb"] = ("0", "0", "0", "0", "0", "not a notebook")
    expected["link.ipynb"] = ("0", "0", "0", "0", "0", "not a notebook")
    expected["'=HYPERLINK(1).ipynb"] = expected.pop("=HYPERLINK(1).ipynb")
    return rows, out, expected


def test_each_submission_gets_its_expected_row(graded):
    rows, _, expected = graded
    got = {name: tuple(row[c] for c in COLUMNS) for name, row in rows.items()}
    wrong = {name: (got.get(name), row) for name, row in expected.items() if got.get(name) != row}
    assert not wrong, "\n".join(f"{n}: got {g}, expected {e}" for n, (g, e) in wrong.items())
    assert set(got) == set(expected)


def problems(graded, name):
    return graded[0][f"{name}.ipynb"]["problems"]


def feedback(graded, name):
    return (graded[1] / "feedback" / f"{name}.txt").read_text()


def test_the_correct_submissions_have_no_problem_but_the_reported_edit(graded):
    assert problems(graded, "correct") == ""
    edits = problems(graded, "harmless-edits")
    assert edits.startswith("given cell 3 (import keras) was edited: the released version ran")
    assert edits.count("given cell") == 1  # the comment and the quotes are the same Python
    assert "suspicious" not in edits  # an `import socket` alone is no attempt
    diff = (graded[1] / "edited" / "harmless-edits.diff").read_text()
    assert "+import time" in diff


def test_forged_results_change_no_row(graded):
    rows, out, _ = graded
    assert rows["correct.ipynb"]["total"] == "10"
    assert feedback(graded, "correct").startswith("correct.ipynb: 10/10 points (graded)")
    assert feedback(graded, "forged-results").startswith("forged-results.ipynb: 2/10 points")
    text = (out / "grades.csv").read_text()
    assert text.count("correct.ipynb") == 1 and "250" not in text
    assert sorted(p.name for p in (out / "feedback").iterdir()) == sorted(
        f"{name.removesuffix('.ipynb').lstrip(chr(39))}.txt" for name in rows
    )


@pytest.mark.parametrize(
    "name, reason",
    [
        ("slower-learning", "records a loss of"),
        ("pasted-weights", "records a loss of"),
        ("halved-clock", "on the grader's one thread"),
        ("halved-clock-and-cpu", "times the LSTM's CPU time, but when the grader trained both"),
        ("one-epoch-fit", "records a loss of"),
        ("untimed-epochs", "records a loss of"),
        ("half-data", "histories['LSTM'] records a loss of"),
        ("on-held-out", "but the grader trained your architecture with fit_validated and got"),
        ("made-up", "the saved model is not where its History's training ends"),
        ("crippled-baseline", "the given settings make 2 epochs of 11 steps"),
        ("overwritten-accuracy", "but the model gets"),
        ("own-settings", "samples['baseline'] is not what the baseline model writes"),
        (
            "subclassed",
            "FAIL: the grader could not use your answer: gru_model is a subclassed model",
        ),
        ("initializer-leak", "holds a Constant initializer that is not one number"),
        ("typed-baseline", "the baseline's best val_loss"),
    ],
)
def test_each_fake_is_told_why(graded, name, reason):
    assert reason in feedback(graded, name), feedback(graded, name)


def test_the_verdict_of_task_3_is_the_graders_own(graded):
    for name in ("correct", "own-settings"):
        verdict = feedback(graded, name)
        assert (
            "test sequences from lines your notebook never loads, both trained by the grader"
            in verdict
        )
        assert verdict.count(": better.") == 1


def test_suspicious_code_is_reported_by_what_it_does(graded):
    assert "suspicious: changes the course's checks" in problems(graded, "fake-checks")
    hostile = problems(graded, "hostile")
    for attempt in (
        "PermissionError",  # ../grades.csv: the sandbox's root is not its folder
        "FileNotFoundError",  # the hidden tests and the solution are not in its sandbox
        "OSError",  # no network
        "MemoryError",
        "BlockingIOError",  # the process limit
        "suspicious: changes the course's checks",
        "suspicious: tries the network",
        "suspicious: names the grader's files",
    ):
        assert attempt in hostile, (attempt, hostile)


def test_the_size_and_disk_attacks_stay_in_their_sandbox(graded):
    found = problems(graded, "disk-and-output")
    # 24 MB of output: kept for the instructor, not parsed as root, and its answers still graded
    assert "output too large: the executed notebook is 24 MB" in found, found
    executed = (graded[1] / "executed" / "disk-and-output.ipynb").read_text()
    for name in ("a", "b", "c", "/tmp/d", "/dev/shm/e"):  # stopped at 1 GiB: the folder or file
        assert re.search(f"{name}: (No space left on device|File too large)", executed), name
    assert "used more than 6 GiB of memory" in problems(graded, "memory")


def test_the_grader_reads_its_files_as_data_only(graded):
    # the channel is the runner's alone: the kernel cannot open it, even through /proc (and what
    # came on it would be unpacked as regular files with the expected names only, as
    # test_grade_runner.py shows on the same planted tar)
    assert "PermissionError: [Errno 13] Permission denied: '/proc/" in problems(graded, "own-tar")
    forged = problems(graded, "forged-answers")
    assert "holds 'system' from 'os'" in forged
    assert "held_out could not be rebuilt" in forged and "pickle" in forged
    assert "index.json is not valid JSON (RecursionError)" in problems(graded, "deep-index")
    assert not os.path.exists("/tmp/owned")
    assert "is a link or not a regular file" in problems(graded, "link")


def test_a_file_name_is_never_a_formula_in_the_table(graded):
    text = (graded[1] / "grades.csv").read_text()
    assert "\n'=HYPERLINK(1).ipynb," in text and "\n=HYPERLINK" not in text


def test_magic_lines_are_read_without_ipythons_transformer(monkeypatch):
    """The grader reads a cell in one pass over its lines. IPython's own transformer re-reads a
    cell once per magic line: 501 magics make it give up with an error, 499 take it minutes, and
    either stopped or stalled the whole grading run in the grader's own process."""
    from IPython.core import inputtransformer2

    def refuse(*args, **kwargs):
        raise AssertionError("the grader read a cell with IPython's transformer")

    monkeypatch.setattr(inputtransformer2.TransformerManager, "transform_cell", refuse)
    grade.syntax.cache_clear()
    for cell in MAGICS:
        assert grade.syntax(cell) == grade.syntax(cell.replace("%pwd\n", ""))
    nb = student(R[TASK1], *[None] * 5, *MAGICS * 3)
    release = nbformat.read(STUDENT, as_version=4)
    grade.prepare(nb, release)
    assert not grade.suspicious(nb, release)


def test_a_submission_out_of_time_is_stopped_and_the_rest_graded(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    nbformat.write(student("import time\ntime.sleep(10_000)"), folder / "slow.ipynb")
    (folder / "z-junk.ipynb").write_text("{")  # graded after the slow one, by the same worker
    rows = grade.grade(folder, tmp_path / "grades", workers=1, time_limit=15)
    assert [(row["submission"], row["status"]) for row in rows] == [
        ("slow.ipynb", "timed out"),
        ("z-junk.ipynb", "not a notebook"),
    ]
    assert "did not finish in 15 s" in "; ".join(rows[0]["problems"])


def test_bad_arguments_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a folder of submitted notebooks"):
        grade.grade(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="holds no .ipynb file"):
        grade.grade(tmp_path, tmp_path / "out")
    (tmp_path / "a.ipynb").write_text("{}")
    with pytest.raises(ValueError, match="cannot tell which homework"):
        grade.grade(tmp_path, tmp_path / "out", homework="no-such-homework")
