"""The bare scripts the harness is compared with (run by bench/run.py in a fresh process).

    python bench/bare.py RECORDS.json OUT.json [--api] [--gui]

RECORDS.json holds, per scenario, what the harness did: the HTTP exchanges of an [api] run
(recorded by bench/probe.py) and the GUI actions of a [gui] run (recorded by
bench/gui_cost.py). Against an embedded enver brought up exactly as a run brings it up
(`resolve_enver(constellation, "local")`: embedded AWS, events published to SQS), this
replays them:

- API: per scenario, the same requests (method, URL path, the harness's headers with a
  fresh X-Odmd-Run, body) through ONE pooled httpx client, each answer's JSON decoded —
  no steps, no contract validation, no evidence, no event checks;
- GUI: per scenario, plain Playwright doing the same clicks (bench/gui_cost.run_bare).

Writes the seconds per scenario (same keys as the records) and how many answers differed
from the harness's (a non-zero count means the replay is not faithful).
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from odmd_bdd.names import DEFAULT_CONSTELLATION, RUN_HEADER

ROOT = Path(__file__).resolve().parent.parent


def _rebase(url: str, base: str) -> str:
    parts, new = urlsplit(url), urlsplit(base)
    return urlunsplit((new.scheme, new.netloc, parts.path, parts.query, parts.fragment))


def replay_api(scenarios: dict[str, list[dict]], base_url: str) -> tuple[dict[str, float], dict[str, float], int]:
    """Seconds per scenario, CPU seconds of this process per scenario (the enver's threads
    included, as in the harness's process), and how many statuses differed."""
    import httpx

    times: dict[str, float] = {}
    cpu: dict[str, float] = {}
    mismatched = 0
    with httpx.Client(trust_env=False, timeout=10.0) as client:
        for nodeid, exchanges in scenarios.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            run = uuid.uuid4().hex[:16]
            for ex in exchanges:
                headers = {k: (run if k.lower() == RUN_HEADER.lower() else v) for k, v in ex["headers"].items()}
                content = ex["content"].encode() if ex["content"] is not None else None
                resp = client.request(ex["method"], _rebase(ex["url"], base_url), content=content, headers=headers)
                if resp.content:
                    resp.json()
                if resp.status_code != ex["status"]:
                    mismatched += 1
            times[nodeid] = time.perf_counter() - started
            cpu[nodeid] = time.process_time() - cpu_started
    return times, cpu, mismatched


def main() -> None:
    records = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    out_path = Path(sys.argv[2])
    sys.path.insert(0, str(ROOT / "bench"))
    from odmd_bdd.data.constellation import Constellation
    from odmd_bdd.resolution.envers import resolve_enver

    constellation = Constellation.load(ROOT / DEFAULT_CONSTELLATION)
    enver = resolve_enver(constellation, "local")
    out: dict = {}
    try:
        if "--api" in sys.argv and records.get("api"):
            # warm-up: the first request of a process pays for connection set-up and lazy imports
            replay_api(dict(list(records["api"].items())[:1]), enver.local.url)
            out["api"], out["api_cpu"], out["api_mismatched"] = replay_api(records["api"], enver.local.url)
        if "--gui" in sys.argv and records.get("gui"):
            from gui_cost import run_bare, select_fields_of

            selects = select_fields_of(ROOT / DEFAULT_CONSTELLATION)
            nodeids = list(records["gui"])
            times, mismatched = run_bare(
                [records["gui"][n] for n in nodeids], selects, local=enver.local, with_mismatches=True
            )
            out["gui"], out["gui_mismatched"] = dict(zip(nodeids, times)), mismatched
    finally:
        enver.close()
    out_path.write_text(json.dumps(out), encoding="utf-8")


if __name__ == "__main__":
    main()
