"""Cold against warm runs (odmd_bdd/harness/warm_enver.py), whole process, alternating.

    .venv/bin/python bench/warm.py [--rounds N] [-- pytest args]     prints one JSON object

Starts `odmd-bdd local-enver --project <a temporary copy of the project>` once, then runs
`pytest <args>` in that copy N times each way, in turn so both see the same load: cold with
`--fresh-enver` (the run starts its own embedded AWS and enver), warm reusing the running one.
Default args: the UC1 feature on the API layer. Prints the medians, their ratio and the load.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARGS = ["features/uc1_authentication_key_entity.feature", "--layer", "api"]


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
        project = Path(folder)
        for name in ("features", "steps", "fixtures"):
            shutil.copytree(ROOT / name, project / name)
        for name in ("conftest.py", "pyproject.toml"):
            shutil.copy(ROOT / name, project / name)
        enver = subprocess.Popen(
            [sys.executable, "-m", "odmd_bdd.tools.cli", "local-enver", "--project", str(project)],
            cwd=project,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            state = project / ".odmd" / "enver.json"
            until = time.monotonic() + 120
            while not state.exists():
                if enver.poll() is not None or time.monotonic() > until:
                    raise SystemExit("odmd-bdd local-enver did not come up")
                time.sleep(0.05)  # poll with a deadline
            times: dict[str, list[float]] = {"cold": [], "warm": []}
            loads = []
            for _ in range(options.rounds):
                times["cold"].append(_run(project, [*options.args, "--fresh-enver"]))
                times["warm"].append(_run(project, options.args))
                loads.append(os.getloadavg()[0])
        finally:
            enver.send_signal(signal.SIGTERM)
            enver.wait(30)
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
