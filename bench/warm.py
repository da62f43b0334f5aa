"""Cold against warm runs (odmd_bdd/harness/warm_enver.py), whole process, alternating.

    .venv/bin/python bench/warm.py [--rounds N] [-- pytest args]     prints one JSON object

Starts `odmd-bdd local-enver --project <a temporary copy of the project>` once, then runs
`pytest <args>` in that copy N times each way, in turn so both see the same load: cold with
`--fresh-enver` (the run starts its own embedded AWS and enver), warm reusing the running one.
Default args: the UC1 feature on the API layer. Prints the medians, their ratio and the load.
`copy_project` and `running_enver` are what bench/side_by_side.py builds on.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARGS = ["features/uc1_authentication_key_entity.feature", "--layer", "api"]


def copy_project(project: Path) -> Path:
    """What `pytest features/` needs of the project (features, steps, fixtures, conftest, options)."""
    for name in ("features", "steps", "fixtures"):
        shutil.copytree(ROOT / name, project / name)
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, project / name)
    return project


@contextmanager
def running_enver(project: Path, env: Mapping[str, str] | None = None, timeout: float = 120) -> Iterator[Path]:
    """`odmd-bdd local-enver --project PROJECT` up until the block ends; yields its state file."""
    enver = subprocess.Popen(
        [sys.executable, "-m", "odmd_bdd.tools.cli", "local-enver", "--project", str(project)],
        cwd=project,
        env=dict(env) if env is not None else None,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        state = project / ".odmd" / "enver.json"
        until = time.monotonic() + timeout
        while not state.exists():
            if enver.poll() is not None or time.monotonic() > until:
                raise SystemExit("odmd-bdd local-enver did not come up")
            time.sleep(0.05)  # poll with a deadline
        yield state
    finally:
        enver.send_signal(signal.SIGTERM)
        enver.wait(30)


def _run(project: Path, args: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", *args], cwd=project, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"pytest {' '.join(args)} failed:\n{done.stdout[-2000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("args", nargs="*", default=DEFAULT_ARGS)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="odmd-bench-warm-") as folder:
        project = copy_project(Path(folder))
        with running_enver(project):
            times: dict[str, list[float]] = {"cold": [], "warm": []}
            loads = []
            for _ in range(options.rounds):
                times["cold"].append(_run(project, [*options.args, "--fresh-enver"]))
                times["warm"].append(_run(project, options.args))
                loads.append(os.getloadavg()[0])
    cold, warm = (statistics.median(times[k]) for k in ("cold", "warm"))
    print(
        json.dumps(
            {
                "args": options.args,
                "cold_median_s": round(cold, 3),
                "warm_median_s": round(warm, 3),
                "warm_to_cold": round(warm / cold, 3),
                "runs": {k: [round(t, 3) for t in v] for k, v in times.items()},
                "load_1min": [round(x, 2) for x in loads],
                "cores": os.cpu_count(),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
