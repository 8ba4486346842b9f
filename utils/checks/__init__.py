"""Checks for the notebooks: each prints one PASS or FAIL line that says why, and never raises.

- `homework`: the GRU homework's checks (`check_gru_model`, `check_comparison`, ...), whose
  `.verdict` the grader's hidden tests call;
- `exercises`: the lectures' and labs' exercise checks (`check_lstm_step`, ...);
- `core`: what both share: the PASS/FAIL report and `yours_or`.

`from utils import checks; checks.check_x(...)` finds every check here.
"""

from .core import (  # noqa: F401
    _PASSED,
    _Fail,
    _report,
    yours_or,
)
from .exercises import (  # noqa: F401
    _FILTERS,
    NUMPY_RNN,
    TF_KERAS,
    _Without,
    check_atomic_save,
    check_bptt_step,
    check_char_windows,
    check_clip_by_global_norm,
    check_epoch_timer,
    check_first_four,
    check_greedy_loop,
    check_jacobian_product,
    check_line_ngrams,
    check_lstm_stack,
    check_lstm_step,
    check_param_counts,
    check_predictors_and_labels,
    check_sample_next,
    check_sequence_nats,
    check_stack_params,
    check_tanh_prime,
    check_word_index,
)
from .homework import (  # noqa: F401
    GRADED_LAYERS,
    GRU_LAYERS,
    GRU_TOTAL,
    INITIALIZERS,
    LSTM_TOTAL,
    TOTAL_WORDS,
    architecture_problem,
    check_comparison,
    check_generation,
    check_gru_model,
    check_validation,
    evaluate,
    fingerprint,
    given,
    gru_layers,
)
