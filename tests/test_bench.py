"""The bench command (python -m bench, make bench) runs end to end, so it does not rot.

Only its tiny configuration (--quick: one scenario per layer, one round, 1-second loads),
and only the shape of what it writes: a benchmark's numbers are never a test's verdict. The
peers (bench/peers/) run UC1 whole: they must run, and agree with the harness on every answer
(the same scenarios, all passing on both sides, each checking the dataset's values).
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT


def test_the_quick_bench_runs_end_to_end_and_writes_json_and_markdown(tmp_path):
    out_json, out_md = tmp_path / "bench.json", tmp_path / "PERFORMANCE.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out_json), "--markdown", str(out_md)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads(out_json.read_text(encoding="utf-8"))
    assert results["quick"] is True
    assert {"startup", "suite", "peers", "scaling", "isolation", "throughput"} <= set(results)

    for layer in ("api", "gui"):
        cost = results["suite"][layer]
        assert cost["samples"] >= 1 and cost["failed_scenarios"] == [], cost
        assert cost["bare_mismatched_answers"] == 0, f"the bare {layer} replay is not faithful"
        assert cost["ratio_of_medians"] is not None
    assert results["suite"]["wall"]["exit_codes"] == {"serial": [0], "parallel": [0]}
    assert results["startup"]["enver"]["resolve_enver_s"] is not None
    assert results["startup"]["lint"]["cpu_s"] is not None
    assert results["startup"]["sfn_exchange"]["exchange_median_s"] is not None

    peers = results["peers"]
    assert peers["gui_peer_skipped"] is None, f"{peers['gui_peer_skipped']} (make engine-tests does)"
    for layer, scenarios in (("api", 7), ("gui", 5)):
        agreement = peers["agreement"][layer]
        assert agreement == {"same_scenarios": True, "harness_failed": [], "peer_failed": [], "scenarios": scenarios}
    assert all(peers["whole_process_s"].values()) and all(peers["per_scenario_median_s"].values()), peers
    assert peers["ratios"]["gui_per_scenario"] is not None and peers["ratios"]["api_cold"] is not None
    for side, runs in peers["api_phases_samples"].items():  # bench/phases.py loaded on every API run
        assert len(runs) == 1, side
        marks = [runs[0][k] for k in ("configure", "collected", "first", "tests", "finished")]
        assert 0 < marks[0] and marks == sorted(marks) and runs[0]["exit"] >= 0, (side, runs)

    sizes = results["scaling"]["sizes"]
    assert [s["repeat"] for s in sizes] == [1, 2]
    assert sizes[1]["scenarios"] == 2 * sizes[0]["scenarios"] and all(s["exit_code"] == 0 for s in sizes)
    parallel = results["scaling"]["parallel"]
    assert parallel["exit_codes"] == {"serial": [0], "parallel": [0]}
    assert parallel["serial_samples_s"] == [parallel["serial_s"]] and parallel["n2_samples_s"] == [parallel["n2_s"]]
    assert parallel["serial_cpu_s"] > 0 and parallel["n2_cpu_s"] > 0 and parallel["cpu_bound_speedup"] > 0, parallel

    strategies = results["isolation"]["strategies"]
    assert set(strategies) == {"context", "pool", "reset", "reset_new_page"}, strategies
    assert all(s["median_s"] > 0 and s["rounds"] == 1 for s in strategies.values()), strategies
    # the default keeps one context and its page; the strict mode makes one context per scenario
    assert strategies["reset"]["contexts_made"] == 1 and strategies["reset"]["pages_made"] == 1, strategies
    assert strategies["context"]["contexts_made"] >= 2, strategies

    local = results["throughput"]["servers"]["local_enver"]
    assert local["requests"] > 0 and local["non_2xx"] == 0 and local["errors"] == 0, local

    markdown = out_md.read_text(encoding="utf-8")
    assert "do not edit by hand" in markdown
    for heading in (
        "Summary: issue 15's targets",
        "Side by side with the peers (UC1)",
        "Where the API runs' time goes",
        "Before and after issue 15",
        "API layer vs bare httpx",
        "GUI layer vs bare Playwright",
        "serial vs `-n 2`",
        "Start-up",
        "Growth with the number of scenarios",
        "GUI isolation: fresh context, pool, reset",
        "Throughput",
    ):
        assert heading in markdown

    # --render rebuilds the same Markdown from the JSON alone
    again = tmp_path / "again.md"
    subprocess.run(
        [sys.executable, "-m", "bench", "--render", "--json", str(out_json), "--markdown", str(again)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert again.read_text(encoding="utf-8") == markdown
