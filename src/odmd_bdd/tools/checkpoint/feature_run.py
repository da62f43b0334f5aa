"""The checkpoint's feature run, in its own process:
`python -m odmd_bdd.tools.checkpoint.feature_run RESULT.json PYTEST_ARGS...`.

Runs pytest with `bdd.ScenarioRecorder` and writes each scenario's outcome and the
services it exchanged with to RESULT.json (see `bdd.run_features`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from odmd_bdd.tools.checkpoint.bdd import ScenarioRecorder


def main(argv: list[str]) -> int:
    out, args = Path(argv[0]), argv[1:]
    recorder = ScenarioRecorder()
    code = pytest.main(args, plugins=[recorder])
    out.write_text(
        json.dumps(
            {"exit_code": int(code), "scenarios": recorder.results(), "collect_errors": recorder.collect_errors}
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
