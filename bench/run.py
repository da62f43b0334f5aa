"""The bench: how fast the harness is, measured in one run on one machine.

    python -m bench [--quick] [--rounds N] [--json PATH] [--markdown PATH] [--only SECTION ...]
    python -m bench --render [--json PATH] [--markdown PATH]   # Markdown again from the JSON
    make bench

Writes bench/results.json and docs/PERFORMANCE.md (generated; never edit it by hand).
`--quick` is the tiny configuration the engine's smoke test runs (one scenario, one round,
1-second loads); it writes reports/bench-quick.json and reports/bench-quick.md instead.

Sections (`--only` picks some):
  startup     `pytest features/ --collect-only` (interpreter, plugins, collection) and, in a
              fresh process, `resolve_enver(constellation, "local")` broken down into the
              embedded AWS, the local enver and publishing, plus the Chromium launch;
              `odmd-bdd lint` (CPU and wall, fresh process); one exchange through the
              BDD state machine on the embedded AWS (bench/sfn_exchange.py);
  suite       per round: the full suite serially with bench/probe.py and bench/gui_cost.py
              loaded (per-scenario costs, exchanges, clicks), the same with `-n 2`, then the
              bare scripts (bench/bare.py) replaying exactly those exchanges and clicks
              against an embedded enver brought up the same way. Gives the API and GUI cost
              per scenario vs bare (medians), and the serial vs -n 2 wall time;
  peers       UC1 against the suites a team would write without odmd-bdd (bench/peers/: pytest-bdd
              + httpx + jsonschema; playwright-bdd), all on one running `odmd-bdd local-enver`:
              whole process cold and warm, per GUI scenario (bench/side_by_side.py);
  scaling     the API suite at 1x, 5x, 25x (bench/repeat.py): per-scenario cost per size and
              a least-squares fit of the time against the number of scenarios; the largest
              size serial and with `-n 2`;
  isolation   one GUI scenario's isolation, strategy by strategy (bench/gui_isolation.py): a fresh
              context, a pool of prepared contexts, one context reset between scenarios (the
              default, --gui-isolation reset), the reset with a new page; per-scenario medians and
              the renderer processes each starts;
  throughput  the embedded enver alone (`odmd-bdd local-enver`) and Stoplight Prism
              (bench/node_modules, `npm ci --prefix bench`) serving the same OpenAPI artifact,
              each under the same bounded load from a second process: wrk (1 thread, 16
              connections, fixed duration) when installed, else bench/loadgen.py.

Per-scenario cost "as pytest sees it" is setup + call + teardown of the test (report.duration)
minus the session fixtures it happened to set up (the first scenario brings up the enver and
the browser; that is start-up, reported there).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SECTIONS = ("startup", "suite", "peers", "scaling", "isolation", "throughput")
TARGET_RATIO = 1.3
LOGIN_BODY = '{"temp_token":"mock_temp_token_12345"}'  # identity-service login, the dataset's valid request
PRISM_BIN = BENCH / "node_modules" / ".bin" / "prism"
OPENAPI = ROOT / "fixtures" / "contracts" / "identity-service.openapi.json"


@dataclass
class Config:
    quick: bool
    rounds: int = 2
    features: list[str] = field(default_factory=lambda: ["features/"])
    select: list[str] = field(default_factory=list)  # extra pytest selection (-k …)
    startup_repeats: int = 3
    startup_browser: bool = True  # time a Chromium launch too
    sfn_exchanges: int = 10  # exchanges through the BDD state machine after the first
    scaling_sizes: tuple[int, ...] = (1, 5, 25)
    peer_rounds: int = 5  # UC1 against the peers (bench/side_by_side.py), whole processes in turn
    isolation_rounds: int = 8  # GUI isolation strategies (bench/gui_isolation.py), one scenario each in turn
    load_seconds: float = 5.0
    warmup_seconds: float = 1.0
    connections: int = 16
    loadgen_requests: int = 3000  # the Python fallback's fixed count
    loadgen: str = "auto"  # wrk if installed, else python (bench/loadgen.py)

    @classmethod
    def make(cls, quick: bool, rounds: int | None) -> Config:
        if not quick:
            return cls(quick=False, rounds=rounds or 3)
        return cls(
            quick=True,
            rounds=rounds or 1,
            features=["features/uc1_authentication_key_entity.feature"],
            select=["-k", "wrong_temporary_token"],
            startup_repeats=1,
            startup_browser=False,
            sfn_exchanges=1,
            scaling_sizes=(1, 2),
            peer_rounds=1,
            isolation_rounds=1,
            load_seconds=1.0,
            warmup_seconds=0.5,
            loadgen_requests=300,
        )


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return a / b if a is not None and b else None


# --- running pytest -------------------------------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    # This checkout's engine first: a venv's editable install may point at another checkout.
    parts = [str(ROOT / "src"), str(ROOT), str(BENCH), os.environ.get("PYTHONPATH", "")]
    path = os.pathsep.join(parts).rstrip(os.pathsep)
    # PYTHONDONTWRITEBYTECODE is left out: with it every process compiles every module it imports from
    # source (odmd-bdd's ~150: about a second), which no developer machine does after the first run.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ODMD_BENCH", "PYTEST_XDIST")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    return {**env, "PYTHONPATH": path, **extra}


def pytest_run(args: list[str], tmp: Path, env: dict[str, str] | None = None, timeout: float = 900) -> dict:
    """One `python -m pytest …` in a subprocess, reports into `tmp`; wall seconds and outcome."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        *args,
        "-q",
        "-p",
        "no:cacheprovider",
        "--junitxml",
        str(tmp / "junit.xml"),
        "--alluredir",
        str(tmp / "allure"),
    ]
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, cwd=ROOT, env=env or _env(), capture_output=True, text=True, timeout=timeout)
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU of the run's whole process tree (xdist workers are reaped by their controller, the
    # embedded enver runs inside the run): user + system seconds.
    system = after.ru_stime - before.ru_stime
    cpu = (after.ru_utime - before.ru_utime) + system
    tail = done.stdout.strip().splitlines()[-1:] or [""]
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|error|errors|skipped|deselected)", tail[0])}
    if done.returncode not in (0, 1):
        raise RuntimeError(
            f"pytest {' '.join(args)} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
        )
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "system_s": system,  # the kernel's share of cpu_s (files, sockets, scheduling)
        "exit_code": done.returncode,
        "summary": tail[0],
        "counts": counts,
        "stdout": done.stdout,
    }


def _scenario_cost(record: dict) -> float:
    return sum(record["phases"].values()) - record["session_setup_s"] - record["session_teardown_s"]


# --- sections -------------------------------------------------------------------------


def section_startup(cfg: Config, tmp: Path) -> dict:
    collect, collected_in = [], []
    for i in range(cfg.startup_repeats):
        run = pytest_run([*cfg.features, *cfg.select, "--collect-only"], tmp / f"collect{i}")
        collect.append(run["wall_s"])
        found = re.search(r"collected.* in ([\d.]+)s", run["stdout"])
        collected_in.append(float(found.group(1)) if found else None)
    probes = []
    for _ in range(cfg.startup_repeats):
        done = subprocess.run(
            [sys.executable, str(BENCH / "startup.py"), *(["--browser"] * cfg.startup_browser)],
            cwd=ROOT,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(f"bench/startup.py failed:\n{done.stderr[-3000:]}")
        probes.append(json.loads(done.stdout.strip().splitlines()[-1]))
    keys = list(probes[0])
    enver = {k: median([p.get(k) for p in probes]) for k in keys}
    collect_s, collection_s = median(collect), median(collected_in)
    lint = [_lint_cost() for _ in range(cfg.startup_repeats)]
    sfn = _sfn_exchange(cfg)
    return {
        "collect_only_wall_s": collect_s,
        "collection_s": collection_s,
        "pytest_start_s": collect_s - collection_s if collect_s is not None and collection_s is not None else None,
        "enver": enver,
        "lint": {k: median([run[k] for run in lint]) for k in ("cpu_s", "wall_s")},
        "sfn_exchange": sfn,
        "repeats": cfg.startup_repeats,
        "samples": {"collect_only_wall_s": collect, "resolve": probes, "lint": lint},
    }


def _lint_cost() -> dict:
    """`odmd-bdd lint` over the project's features in a fresh process: its CPU (user + system) and wall seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "odmd_bdd.tools.cli", "lint"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"odmd-bdd lint failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu_s": cpu, "wall_s": wall}


def _sfn_exchange(cfg: Config) -> dict:
    """One exchange through the BDD state machine on the embedded AWS (bench/sfn_exchange.py)."""
    done = subprocess.run(
        [sys.executable, str(BENCH / "sfn_exchange.py"), "--repeats", str(cfg.sfn_exchanges)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench/sfn_exchange.py failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def section_suite(cfg: Config, tmp: Path) -> dict:
    serial, plain, parallel, rounds = [], [], [], []
    for r in range(cfg.rounds):
        # The wall-time comparison: a plain serial run and a -n 2 run back to back, neither with probes.
        log(f"suite round {r + 1}/{cfg.rounds}: serial, no probes")
        plain.append(pytest_run([*cfg.features, *cfg.select], tmp / f"plain{r}"))
        log(f"suite round {r + 1}/{cfg.rounds}: -n 2 ({plain[-1]['wall_s']:.1f}s serial, {plain[-1]['summary']})")
        parallel.append(pytest_run([*cfg.features, *cfg.select, "-n", "2"], tmp / f"parallel{r}"))
        log(f"suite round {r + 1}/{cfg.rounds}: serial with probes ({parallel[-1]['wall_s']:.1f}s with -n 2)")
        probe_out, gui_out = tmp / f"probe{r}.json", tmp / f"gui{r}.json"
        run = pytest_run(
            [*cfg.features, *cfg.select, "-p", "bench.probe", "-p", "gui_cost"],
            tmp / f"serial{r}",
            env=_env(ODMD_BENCH_PROBE_OUT=str(probe_out), ODMD_BENCH_OUT=str(gui_out)),
        )
        serial.append(run)
        # The API layer's cost comes from an API-only run: in the full run each [api] scenario follows a
        # [gui] one whose browser is still busy on the same cores, which is not the API harness's cost.
        log(f"suite round {r + 1}/{cfg.rounds}: the API layer alone ({run['wall_s']:.1f}s serial with probes)")
        api_out = tmp / f"api{r}.json"
        pytest_run(
            [*cfg.features, *cfg.select, "--layer", "api", "-p", "bench.probe"],
            tmp / f"api{r}",
            env=_env(ODMD_BENCH_PROBE_OUT=str(api_out)),
        )
        tests = json.loads(probe_out.read_text(encoding="utf-8"))
        api_tests = json.loads(api_out.read_text(encoding="utf-8"))
        gui = json.loads(gui_out.read_text(encoding="utf-8"))
        api_scen = {n: t["exchanges"] for n, t in api_tests["tests"].items() if t["layer"] == "api"}
        gui_scen = {n: gui[n]["actions"] for n, t in tests["tests"].items() if t["layer"] == "gui" and n in gui}
        records = tmp / f"records{r}.json"
        records.write_text(json.dumps({"api": api_scen, "gui": gui_scen}), encoding="utf-8")
        log(f"suite round {r + 1}/{cfg.rounds}: bare replays")
        bare_out = tmp / f"bare{r}.json"
        done = subprocess.run(
            [sys.executable, str(BENCH / "bare.py"), str(records), str(bare_out), "--api", "--gui"],
            cwd=ROOT,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=900,
        )
        if done.returncode != 0:
            raise RuntimeError(f"bench/bare.py failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        bare = json.loads(bare_out.read_text(encoding="utf-8"))
        rounds.append({"tests": tests, "api_tests": api_tests, "gui": gui, "bare": bare})
    # What DOM snapshots in every trace would cost (--gui-trace full; by default only a rerun attempt
    # takes them): the GUI layer once more, against the same bare times.
    log("suite: the GUI layer with --gui-trace full")
    full_trace_out = tmp / "full_trace.json"
    pytest_run(
        [*cfg.features, *cfg.select, "--layer", "gui", "--gui-trace", "full", "-p", "bench.probe"],
        tmp / "full_trace",
        env=_env(ODMD_BENCH_PROBE_OUT=str(full_trace_out)),
    )
    full_trace = json.loads(full_trace_out.read_text(encoding="utf-8"))
    gui_full_trace = _layer_cost([{**rounds[0], "tests": full_trace}], "gui")
    bare_gui = [v for rnd in rounds for v in rnd["bare"].get("gui", {}).values()]
    return {
        "api": _layer_cost(rounds, "api"),
        "gui": _layer_cost(rounds, "gui"),
        "gui_full_trace": {
            "harness_median_s": gui_full_trace["harness_median_s"],
            "bare_median_s": median(bare_gui),
            "ratio_of_medians": ratio(gui_full_trace["harness_median_s"], median(bare_gui)),
            "samples": gui_full_trace["samples"],
            "failed_scenarios": gui_full_trace["failed_scenarios"],
        },
        "wall": _walls(plain, parallel),
        "session_fixtures_s": _session_fixtures(rounds),
    }


def _layer_cost(rounds: list[dict], layer: str) -> dict:
    per: dict[str, dict] = {}
    keys = ("harness", "bare", "machinery", "events", "cpu", "bare_cpu")
    for rnd in rounds:
        for nodeid, test in rnd["api_tests" if layer == "api" else "tests"]["tests"].items():
            if test["layer"] != layer:
                continue
            item = per.setdefault(nodeid, {**{k: [] for k in keys}, "requests": 0, "outcomes": set()})
            item["harness"].append(_scenario_cost(test))
            item["outcomes"].add(test["outcome"])
            if layer == "api":
                item["requests"] = len(test["exchanges"])
                item["machinery"].append(test["api_s"])
                item["events"].append(test["events_s"])
                item["cpu"].append(test["cpu_s"])
                bare_cpu = rnd["bare"].get("api_cpu", {}).get(nodeid)
                if bare_cpu is not None:
                    item["bare_cpu"].append(bare_cpu)
            elif nodeid in rnd["gui"]:
                item["machinery"].append(rnd["gui"][nodeid]["gui_s"])
                item["requests"] = len(rnd["gui"][nodeid]["actions"])
            bare = rnd["bare"].get(layer, {}).get(nodeid)
            if bare is not None:
                item["bare"].append(bare)
    pooled = {k: [v for item in per.values() for v in item[k]] for k in keys}
    paired = [h / b for item in per.values() for h, b in zip(item["harness"], item["bare"]) if b]
    scenarios = [
        {
            "test": nodeid.split("::", 1)[-1],
            "file": nodeid.split("::", 1)[0].rsplit("/", 1)[-1],
            "requests" if layer == "api" else "actions": item["requests"],
            "harness_s": median(item["harness"]),
            "bare_s": median(item["bare"]),
            "ratio": ratio(median(item["harness"]), median(item["bare"])),
            "machinery_s": median(item["machinery"]),
            "events_s": median(item["events"]),
            "outcome": "/".join(sorted(item["outcomes"])),
        }
        for nodeid, item in per.items()
    ]
    harness, bare, machinery = pooled["harness"], pooled["bare"], pooled["machinery"]
    out = {
        "scenarios_per_round": len(per),
        "samples": len(harness),
        "harness_median_s": median(harness),
        "bare_median_s": median(bare),
        "ratio_of_medians": ratio(median(harness), median(bare)),
        "median_of_ratios": median(paired),
        "ratio_of_totals": ratio(sum(harness), sum(bare)) if bare else None,
        # the layer's own machinery: ApiActor.perform (transport, validation, evidence) for api,
        # context open/close and GuiActor.perform for gui (bench/gui_cost.py)
        "machinery_median_s": median(machinery),
        "machinery_ratio_of_medians": ratio(median(machinery), median(bare)),
        "machinery_ratio_of_totals": ratio(sum(machinery), sum(bare)) if bare and machinery else None,
        "bare_mismatched_answers": sum(r["bare"].get(f"{layer}_mismatched", 0) for r in rounds),
        "failed_scenarios": sorted(n for n, item in per.items() if "failed" in item["outcomes"]),
        "scenarios": scenarios,
    }
    if layer == "api":
        out["events_median_s"] = median(pooled["events"])
        out["cpu_median_s"], out["bare_cpu_median_s"] = median(pooled["cpu"]), median(pooled["bare_cpu"])
        out["cpu_ratio_of_medians"] = ratio(out["cpu_median_s"], out["bare_cpu_median_s"])
    return out


def _walls(serial: list[dict], parallel: list[dict]) -> dict:
    s, p = median([r["wall_s"] for r in serial]), median([r["wall_s"] for r in parallel])
    return {
        "serial_s": s,
        "parallel_n2_s": p,
        "speedup": ratio(s, p),
        "serial_samples": [r["wall_s"] for r in serial],
        "parallel_samples": [r["wall_s"] for r in parallel],
        "serial_summary": serial[-1]["summary"],
        "parallel_summary": parallel[-1]["summary"],
        "exit_codes": {"serial": [r["exit_code"] for r in serial], "parallel": [r["exit_code"] for r in parallel]},
    }


def _session_fixtures(rounds: list[dict]) -> dict:
    names = {n for r in rounds for n in r["tests"]["session_fixtures_s"]}
    values = {n: median([r["tests"]["session_fixtures_s"].get(n) for r in rounds]) for n in names}
    return {n: v for n, v in sorted(values.items(), key=lambda kv: -kv[1]) if v >= 0.001}


def section_scaling(cfg: Config, tmp: Path) -> dict:
    sizes = []
    for size in cfg.scaling_sizes:
        log(f"scaling: the API suite x{size}")
        out = tmp / f"scale{size}.json"
        run = pytest_run(
            [
                *cfg.features,
                *cfg.select,
                "--layer",
                "api",
                "-p",
                "bench.probe",
                "-p",
                "bench.repeat",
                "--bench-repeat",
                str(size),
            ],
            tmp / f"scale{size}",
            env=_env(ODMD_BENCH_PROBE_OUT=str(out)),
        )
        tests = json.loads(out.read_text(encoding="utf-8"))["tests"]
        costs = [_scenario_cost(t) for t in tests.values()]
        in_pytest = sum(sum(t["phases"].values()) for t in tests.values())
        sizes.append(
            {
                "repeat": size,
                "scenarios": len(tests),
                "wall_s": run["wall_s"],
                "tests_s": in_pytest,
                "scenarios_s": sum(costs),
                "per_scenario_mean_s": sum(costs) / len(costs) if costs else None,
                "per_scenario_median_s": median(costs),
                "exit_code": run["exit_code"],
                "summary": run["summary"],
            }
        )
    largest = sizes[-1]
    suite = [
        *cfg.features,
        *cfg.select,
        "--layer",
        "api",
        "-p",
        "bench.repeat",
        "--bench-repeat",
        str(largest["repeat"]),
    ]
    # -n 2 and serial in turn, cfg.rounds times: one pair alone is at the mercy of the load of its minute.
    parallel, serial = [], []
    for rnd in range(cfg.rounds):
        log(f"scaling: the API suite x{largest['repeat']} with -n 2, then serial (round {rnd + 1}/{cfg.rounds})")
        parallel.append(pytest_run([*suite, "-n", "2"], tmp / f"scale-n2-{rnd}"))
        serial.append(pytest_run(suite, tmp / f"scale-serial-{rnd}"))
    xs = [s["scenarios"] for s in sizes]
    fit_wall, fit_scen = linear_fit(xs, [s["wall_s"] for s in sizes]), linear_fit(xs, [s["scenarios_s"] for s in sizes])
    base = sizes[0]["per_scenario_median_s"]  # the median: the 1x mean carries the run's first-call costs
    for s in sizes:
        s["per_scenario_vs_1x"] = ratio(s["per_scenario_median_s"], base)
    return {
        "sizes": sizes,
        "fit_wall": fit_wall,
        "fit_scenarios": fit_scen,
        # The same size without the probe (its recording is not the suite's), -n 2 and serial in turn.
        "parallel": _parallel(largest, serial, parallel),
    }


def _parallel(largest: dict, serial: list[dict], parallel: list[dict]) -> dict:
    """The -n 2 against serial comparison: medians over the rounds, and every sample."""
    serial_s, n2_s = median([r["wall_s"] for r in serial]), median([r["wall_s"] for r in parallel])
    n2_cpu_s = median([r["cpu_s"] for r in parallel])
    return {
        "repeat": largest["repeat"],
        "scenarios": largest["scenarios"],
        "rounds": len(serial),
        "serial_s": serial_s,
        "n2_s": n2_s,
        "speedup": ratio(serial_s, n2_s),
        "serial_samples_s": [r["wall_s"] for r in serial],
        "n2_samples_s": [r["wall_s"] for r in parallel],
        "serial_cpu_s": median([r["cpu_s"] for r in serial]),
        "n2_cpu_s": n2_cpu_s,
        "serial_system_s": median([r["system_s"] for r in serial]),
        "n2_system_s": median([r["system_s"] for r in parallel]),
        # Even spread perfectly over every CPU, the -n 2 run takes its CPU time / CPUs: the most
        # it can gain over the serial run on this machine.
        "cpu_bound_speedup": ratio(serial_s, n2_cpu_s / (os.cpu_count() or 1)),
        "exit_codes": {"serial": [r["exit_code"] for r in serial], "parallel": [r["exit_code"] for r in parallel]},
        "summaries": [serial[-1]["summary"], parallel[-1]["summary"]],
    }


def section_peers(cfg: Config, tmp: Path) -> dict:
    from .side_by_side import section_peers as side_by_side

    return side_by_side(cfg.peer_rounds, tmp, _env, log)


def linear_fit(xs: list[float], ys: list[float]) -> dict:
    """Least squares y = intercept + slope * x, with R²."""
    n = len(xs)
    if n < 2:
        return {"slope": None, "intercept": None, "r2": None}
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys))
    return {"slope": slope, "intercept": intercept, "r2": 1 - ss_res / ss_tot if ss_tot else 1.0}


# --- throughput -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_answering(url: str, body: str | None, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            if body is None:
                resp = httpx.get(url, timeout=2.0, trust_env=False)
            else:
                resp = httpx.post(
                    url, content=body, headers={"Content-Type": "application/json"}, timeout=2.0, trust_env=False
                )
            if resp.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer 200 within {timeout:g}s (exit {proc.poll()})")
        time.sleep(0.1)  # poll: server readiness, bounded by the deadline above


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(text: str) -> dict:
    def ms(value: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", value).groups()
        return float(number) * _UNITS[unit]

    requests, seconds, seconds_unit = re.search(r"(\d+) requests in ([\d.]+)(\w+),", text).groups()
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "requests": int(requests),
        "seconds": ms(seconds + seconds_unit) / 1000,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50_ms": ms(re.search(r"\s50%\s+(\S+)", text).group(1)),
        "p99_ms": ms(re.search(r"\s99%\s+(\S+)", text).group(1)),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": sum(int(g) for g in errors.groups()) if errors else 0,
    }


def _load(cfg: Config, url: str, seconds: float, tmp: Path) -> dict:
    """The bounded load, from a second process: wrk if installed, else bench/loadgen.py."""
    wrk = shutil.which("wrk") if cfg.loadgen in ("auto", "wrk") else None
    if cfg.loadgen == "wrk" and not wrk:
        raise RuntimeError("--loadgen wrk, but wrk is not installed (apt-get install wrk)")
    if wrk:
        script = tmp / "post.lua"
        script.write_text(
            f'wrk.method = "POST"\nwrk.body = \'{LOGIN_BODY}\'\nwrk.headers["Content-Type"] = "application/json"\n',
            encoding="utf-8",
        )
        done = subprocess.run(
            [
                wrk,
                "-t1",
                f"-c{cfg.connections}",
                f"-d{max(1, round(seconds))}s",
                "--latency",
                "--timeout",
                "5s",
                "-s",
                str(script),
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
        )
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed: {done.stderr[-1000:]}")
        return parse_wrk(done.stdout)
    count = cfg.loadgen_requests if seconds >= cfg.load_seconds else max(100, cfg.loadgen_requests // 5)
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "loadgen.py"),
            url,
            LOGIN_BODY,
            "--requests",
            str(count),
            "--concurrency",
            str(cfg.connections),
            "--timeout",
            str(max(10.0, seconds * 6)),
        ],
        capture_output=True,
        text=True,
        timeout=seconds * 6 + 30,
        env=_env(),
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench/loadgen.py failed: {done.stderr[-1000:]}")
    return json.loads(done.stdout)


def _measure_server(cfg: Config, proc: subprocess.Popen, url: str, tmp: Path) -> dict:
    _load(cfg, url, cfg.warmup_seconds, tmp)  # JIT, caches, connection pools
    before = _cpu_seconds(proc.pid)
    result = _load(cfg, url, cfg.load_seconds, tmp)
    after = _cpu_seconds(proc.pid)
    if before is not None and after is not None and result["requests"]:
        result["server_cpu_ms_per_request"] = (after - before) * 1000 / result["requests"]
    return result


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the group of the server this bench started
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def section_isolation(cfg: Config, tmp: Path) -> dict:
    """bench/gui_isolation.py in a fresh process: its JSON, strategy by strategy."""
    proc = subprocess.run(
        [sys.executable, str(BENCH / "gui_isolation.py"), "--rounds", str(cfg.isolation_rounds)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench/gui_isolation.py exited with {proc.returncode}: {proc.stderr[-2000:]}")
    return {"strategies": json.loads(proc.stdout), "rounds": cfg.isolation_rounds}


def section_throughput(cfg: Config, tmp: Path) -> dict:
    tool = "wrk" if cfg.loadgen != "python" and shutil.which("wrk") else "bench/loadgen.py (httpx, asyncio)"
    out: dict = {
        "tool": tool,
        "request": f"POST …/auth/login {LOGIN_BODY}",
        "connections": cfg.connections,
        "bound": f"{cfg.load_seconds:g} s" if tool == "wrk" else f"{cfg.loadgen_requests} requests",
        "servers": {},
    }
    odmd = Path(sys.executable).parent / "odmd-bdd"
    port = free_port()
    command = [str(odmd)] if odmd.exists() else [sys.executable, "-m", "odmd_bdd.tools.cli"]
    # Only the HTTP services, as Prism is: no embedded AWS in that process where the command offers that.
    helped = subprocess.run([*command, "local-enver", "--help"], capture_output=True, text=True, env=_env())
    alone = ["--no-aws"] if "--no-aws" in helped.stdout else []
    out["local_enver_command"] = " ".join(["odmd-bdd", "local-enver", "--port", "N", *alone])
    log(f"throughput: the embedded enver alone on :{port}")
    proc = subprocess.Popen(
        [*command, "local-enver", "--port", str(port), *alone],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _wait_answering(f"http://127.0.0.1:{port}/_odmd/health", None, proc)
        out["servers"]["local_enver"] = _measure_server(
            cfg, proc, f"http://127.0.0.1:{port}/identity-service/auth/login", tmp
        )
    finally:
        _stop(proc)
    if not PRISM_BIN.exists():
        out["servers"]["prism"] = {"skipped": "Prism is not installed: npm ci --prefix bench (make bench does)"}
    else:
        port = free_port()
        log(f"throughput: Stoplight Prism on :{port}")
        # The artifact's servers url is "": Prism then serves the paths at its root (/auth/login).
        proc = subprocess.Popen(
            [str(PRISM_BIN), "mock", str(OPENAPI), "-p", str(port), "-h", "127.0.0.1", "-v", "warn"],
            cwd=BENCH,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}/auth/login"
            _wait_answering(url, LOGIN_BODY, proc)
            out["servers"]["prism"] = _measure_server(cfg, proc, url, tmp)
            out["prism_version"] = subprocess.run(
                [str(PRISM_BIN), "--version"], capture_output=True, text=True, timeout=60
            ).stdout.strip()
        finally:
            _stop(proc)
    local, prism = out["servers"].get("local_enver", {}), out["servers"].get("prism", {})
    out["rps_ratio"] = ratio(local.get("rps"), prism.get("rps"))
    out["p99_ratio"] = ratio(local.get("p99_ms"), prism.get("p99_ms"))
    return out


# --- the run --------------------------------------------------------------------------


def machine() -> dict:
    def version(package: str) -> str | None:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as v

        try:
            return v(package)
        except PackageNotFoundError:
            return None

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_avg_start": list(os.getloadavg()),
        "git_commit": commit.stdout.strip() or None,
        "pythondontwritebytecode": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")),  # the bench's; never its runs'
        "bytecode_cache_in_runs": True,
        "packages": {
            p: version(p)
            for p in (
                "pytest",
                "pytest-bdd",
                "httpx",
                "playwright",
                "moto",
                "boto3",
                "pytest-xdist",
                "uvicorn",
                "starlette",
                "jsonschema",
            )
        },
    }


def run(cfg: Config, only: list[str]) -> dict:
    started = time.perf_counter()
    results: dict = {
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": cfg.quick,
        "config": {
            "rounds": cfg.rounds,
            "features": cfg.features,
            "select": cfg.select,
            "scaling_sizes": cfg.scaling_sizes,
            "peer_rounds": cfg.peer_rounds,
            "isolation_rounds": cfg.isolation_rounds,
        },
        "machine": machine(),
    }
    with tempfile.TemporaryDirectory(prefix="odmd-bench-") as name:
        tmp = Path(name)
        for section, fn in (
            ("startup", section_startup),
            ("suite", section_suite),
            ("peers", section_peers),
            ("scaling", section_scaling),
            ("isolation", section_isolation),
            ("throughput", section_throughput),
        ):
            if section in only:
                log(f"{section} …")
                mark, load = time.perf_counter(), os.getloadavg()[0]
                (tmp / section).mkdir()
                results[section] = fn(cfg, tmp / section)
                results[section]["bench_seconds"] = time.perf_counter() - mark
                results[section]["load_1min"] = [load, os.getloadavg()[0]]  # at its start and end
    results["machine"]["load_avg_end"] = list(os.getloadavg())
    results["bench_seconds"] = time.perf_counter() - started
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the tiny configuration (the smoke test's)")
    parser.add_argument("--rounds", type=int, default=None, help="suite rounds (default 3; --quick 1)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS), help="run these sections")
    parser.add_argument("--json", type=Path, default=None, help="results file (default bench/results.json)")
    parser.add_argument("--markdown", type=Path, default=None, help="table (default docs/PERFORMANCE.md)")
    parser.add_argument(
        "--loadgen",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="the throughput load: wrk, bench/loadgen.py, or auto (wrk if installed)",
    )
    parser.add_argument("--render", action="store_true", help="only rewrite the Markdown from the JSON")
    args = parser.parse_args(argv)
    from .report import render

    json_path = args.json or (ROOT / "reports" / "bench-quick.json" if args.quick else BENCH / "results.json")
    md_path = args.markdown or (ROOT / "reports" / "bench-quick.md" if args.quick else ROOT / "docs" / "PERFORMANCE.md")
    if args.render:
        results = json.loads(json_path.read_text(encoding="utf-8"))
    else:
        cfg = Config.make(args.quick, args.rounds)
        cfg.loadgen = args.loadgen
        results = run(cfg, args.only)
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(results, indent=2, default=list) + "\n", encoding="utf-8")
    md_path.parent.mkdir(parents=True, exist_ok=True)
    md_path.write_text(
        render(results, json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path), encoding="utf-8"
    )
    log(f"wrote {json_path} and {md_path} ({results.get('bench_seconds', 0):.0f}s)")
    return 0
