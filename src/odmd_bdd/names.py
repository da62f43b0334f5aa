"""Names shared across the package, defined once: the layers, the run header, default paths, step words."""

from __future__ import annotations

import re
from pathlib import Path

LAYERS: tuple[str, ...] = ("api", "gui")  # every layer a scenario can run on, in run order
DEFAULT_LAYER = LAYERS[0]  # the layer of a test not parametrized over layers
RUN_HEADER = "X-Odmd-Run"  # the run id every request carries: per-run enver state and event queues
RUN_ID_MAX = 20  # the longest run id: 16 hex characters, or a mutant's `m<number>~` and 12 hex (to m999999)
RUN_QUEUE_SUFFIX = "--"  # a channel's queue for one run: `<queue>--<run id>`
SQS_NAME_MAX = 80  # SQS queue names: at most 80 of [A-Za-z0-9_-]
QUEUE_BASE_MAX = SQS_NAME_MAX - len(RUN_QUEUE_SUFFIX) - RUN_ID_MAX  # a queue name that leaves room for any run id
DEFAULT_CONSTELLATION = Path("fixtures") / "envers" / "constellation.yaml"  # relative to the project root
STEP_WORDS: tuple[str, ...] = ("Given", "When", "Then", "And", "But")  # the Gherkin step keywords

_ID_PARAMS = re.compile(r"\[(?P<params>[^\]]*)\]$")  # pytest's parametrization at the end of a test id


def id_params(test_id: str) -> str | None:
    """The parametrization a pytest test id ends with (`api` of `…::test_x[api]`), or None."""
    m = _ID_PARAMS.search(test_id)
    return m.group("params") if m else None


def without_id_params(test_id: str) -> str:
    """A pytest test id without the parametrization it ends with (`…::test_x` of `…::test_x[api]`)."""
    return _ID_PARAMS.sub("", test_id)
