"""The command-line options odmd-bdd adds to pytest."""

from __future__ import annotations

import pytest

from odmd_bdd.names import LAYERS


def add_options(parser: pytest.Parser) -> None:
    """The run's options: enver, layer, transport, timeouts, the GUI layer's browser and traces."""
    group = parser.getgroup("odmd-bdd", "odmd-bdd: which enver, layer and transport")
    group.addoption(
        "--enver",
        default="local",
        help="enver to test: local (embedded, default) or one named in the constellation file",
    )
    group.addoption(
        "--constellation",
        default=None,
        metavar="PATH",
        help="constellation file (default: fixtures/envers/constellation.yaml under the rootdir)",
    )
    group.addoption(
        "--base-urls",
        default=None,
        metavar="FILE",
        help="YAML file {base_urls: {service: url}} overriding where services answer",
    )
    group.addoption(
        "--layer",
        default="all",
        choices=("all", *LAYERS),
        help="run scenarios on this layer only (default: every layer a scenario allows)",
    )
    group.addoption("--http-timeout", type=float, default=10.0, help="seconds an API call may take (default 10)")
    group.addoption(
        "--transport",
        default=None,
        choices=("http", "sfn"),
        help="API layer transport: http (direct, httpx) or sfn (through the BDD state machine); "
        "default: the enver's own (constellation file), else http",
    )
    group.addoption(
        "--sfn-deadline", type=float, default=30.0, help="seconds one Step Functions execution may take (default 30)"
    )
    group.addoption(
        "--odmd-faults",
        default=None,
        metavar="PLAN.json",
        help="plant the faults of this plan in the embedded enver (the harness's reliability suite)",
    )
    group.addoption(
        "--odmd-calls",
        default=None,
        metavar="FILE.json",
        help="write which dataset cases answered each scenario (the mutation run's baseline; serial runs)",
    )
    group.addoption(
        "--odmd-mutants",
        default=None,
        metavar="FILE.json",
        help="run each scenario once per mutant of the cases it exercises (odmd-bdd mutate writes the file)",
    )
    group.addoption(
        "--allow-main",
        action="store_true",
        default=False,
        help="let @mock-only scenarios run against an enver whose revision is main",
    )
    group.addoption(
        "--odmd-progress",
        action="store_true",
        default=False,
        help="one line per test instead of dots: [done/total] the test, then its outcome and time (long runs)",
    )
    group.addoption(
        "--event-timeout", type=float, default=5.0, help="seconds a step waits for an expected event (default 5)"
    )
    gui = parser.getgroup("odmd-bdd-gui", "odmd-bdd: the GUI layer (Playwright driving the web client)")
    gui.addoption(
        "--headed", action="store_true", default=False, help="show the browser (needs a display; default: headless)"
    )
    gui.addoption(
        "--slowmo",
        type=float,
        default=0.0,
        metavar="MS",
        help="slow every browser operation down by MS milliseconds (to watch a --headed run)",
    )
    gui.addoption(
        "--gui-timeout",
        type=float,
        default=10.0,
        help="seconds the web client may take to load or to show an answer (default 10)",
    )
    gui.addoption(
        "--web-client-url",
        default=None,
        metavar="URL",
        help="the web client to drive (default: $ODMD_WEB_CLIENT_URL, else the embedded enver's)",
    )
    gui.addoption(
        "--browser-ws-endpoint",
        default=None,
        metavar="URL",
        help="connect to the Chromium of a Playwright server (`playwright run-server`) instead of "
        "launching one (default: $ODMD_BROWSER_WS_ENDPOINT; see odmd_bdd/gui/remote.py)",
    )
    gui.addoption(
        "--gui-isolation",
        default="reset",
        choices=("reset", "context"),
        help="reset (default): one browser context per worker, reset between scenarios (pages closed; "
        "cookies, storage, IndexedDB, caches, service workers and permissions cleared; a new page, run "
        "header and capture); context: a fresh browser context per scenario (strict, slower)",
    )
    gui.addoption(
        "--gui-trace",
        default="on-failure",
        choices=("on-failure", "full", "off"),
        help="on-failure (default): keep a screenshot and a Playwright trace (actions, console) of each "
        "failed GUI scenario in reports/traces/; a rerun attempt (--reruns) and `full` also record "
        "DOM snapshots and network (~20%% slower); off: the screenshot only. Every trace is scrubbed of "
        "secrets before it is kept",
    )
    gui.addoption(
        "--gui-screenshot",
        default="on-failure",
        choices=("on-failure", "always"),
        help="on-failure (default): a failed GUI scenario's full-page screenshot in reports/traces/ and "
        "the report; always: a passed one also ends its report with a small screenshot of the page",
    )


def add_shard_options(parser: pytest.Parser) -> None:
    """--num-shards / --shard-id: one shard of the suite per CI machine."""
    group = parser.getgroup("odmd-bdd-shards", "odmd-bdd: sharding the suite across machines")
    group.addoption(
        "--num-shards",
        type=int,
        default=1,
        metavar="N",
        help="split the selected scenarios into N shards (with --shard-id; default 1: no sharding)",
    )
    group.addoption(
        "--shard-id",
        type=int,
        default=0,
        metavar="K",
        help="run shard K of --num-shards (0-based); every shard must get the same paths, -m and -k",
    )
    group.addoption(
        "--no-pin-workers",
        action="store_true",
        default=False,
        help="let xdist workers' threads run on any core (default: each worker's own threads keep to a core "
        "of their own when there are at least as many cores as workers; what they start may use all)",
    )
