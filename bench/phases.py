"""pytest plugin of the bench (`-p bench.phases`): where a whole process's time goes.

With ODMD_BENCH_PHASES=<file> and ODMD_BENCH_T0=<time.time() taken just before the process was
started>, a run appends one JSON line to the file: seconds from T0 to each of

  configure   pytest_configure: the interpreter, imports, plugins, conftests, options
  collected   the end of collection
  first       the end of the first test (odmd-bdd's brings up or attaches to the enver in it;
              the peer's creates its first clients)
  tests       the end of the last test
  finished    pytest_unconfigure (reports written)

The bench adds the exit (interpreter shutdown) from the process's wall time. Both sides load it the
same way, so it costs both the same.
"""

from __future__ import annotations

import json
import os
import time

import pytest

_T0 = float(os.environ.get("ODMD_BENCH_T0") or time.time())
_marks: dict[str, float] = {}


def _mark(name: str) -> None:
    _marks[name] = round(time.time() - _T0, 4)


def pytest_configure(config: pytest.Config) -> None:
    _mark("configure")


def pytest_collection_finish(session: pytest.Session) -> None:
    _mark("collected")


def pytest_runtest_logfinish(nodeid: str, location: object) -> None:
    if "first" not in _marks:
        _mark("first")
    _mark("tests")


def pytest_unconfigure(config: pytest.Config) -> None:
    _mark("finished")
    out = os.environ.get("ODMD_BENCH_PHASES")
    if out:
        with open(out, "a", encoding="utf-8") as file:
            file.write(json.dumps(_marks) + "\n")
