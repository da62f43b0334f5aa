"""Per-run memory of the embedded enver: which dataset cases it has answered in each run.

The harness sends `X-Odmd-Run: <id>` with every request of a scenario run (both layers),
so a case with `after:` can answer differently once an earlier step happened, and parallel
runs never see each other's state. Requests without the header share one anonymous run.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from odmd_bdd import names

RUN_HEADER = names.RUN_HEADER.lower()  # as Starlette gives request headers
ANONYMOUS = "-"


class RunLog:
    def __init__(self, max_runs: int = 4096):
        self._runs: OrderedDict[str, set[str]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_runs

    def answered(self, run: str) -> frozenset[str]:
        with self._lock:
            return frozenset(self._runs.get(run, ()))

    def record(self, run: str, case_ref: str) -> None:
        with self._lock:
            self._runs.setdefault(run, set()).add(case_ref)
            self._runs.move_to_end(run)
            while len(self._runs) > self._max:  # bounded: a long-lived enver forgets the oldest runs
                self._runs.popitem(last=False)
