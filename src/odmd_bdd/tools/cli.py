"""The `odmd-bdd` command line.

odmd-bdd local-enver [--port 8080]   serve the embedded enver until Ctrl-C; `pytest features/` reuses it
odmd-bdd local-enver --stop          stop the one the project's .odmd/enver.json names
odmd-bdd check [--format json]       consistency check of the master mock dataset (exit 1: problems)
odmd-bdd project [--out DIR]         write each service's MOCK_ENVER_CONTEXT.md
odmd-bdd steps [--format json]       the step catalog: every step, its parameters, layers, an example
odmd-bdd lint [PATHS...]             check feature files: syntax, steps, constants, tags (exit 1: problems)
odmd-bdd new UCn [--out features/]   scaffold a use case's feature file from the dataset
odmd-bdd checkpoint [--enver E]      each service's phase checklist from real evidence (exit 1: fails/regressed)
odmd-bdd add-service NAME --contract FILE   add a service: constellation entry, contract, drafted dataset cases
odmd-bdd corpus [--out docs/CONTRACTS.md]   the conformance corpus of real contracts (npm @readme/oas-examples)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from odmd_bdd import __version__
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.errors import OdmdError
from odmd_bdd.localenv import LocalEnver, running
from odmd_bdd.localenv.running import RunningEnver
from odmd_bdd.names import DEFAULT_CONSTELLATION
from odmd_bdd.tools.authoring import lint as authoring_lint
from odmd_bdd.tools.authoring import new as authoring_new
from odmd_bdd.tools.authoring import steps as authoring_steps
from odmd_bdd.tools.checkpoint import cli as checkpoint_cli

DEFAULT_FEATURES = Path("features")


def _local_enver(args: argparse.Namespace) -> int:
    if args.stop:
        return _stop_local_enver(args.project)
    constellation = Constellation.load(args.constellation)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.no_aws:
        enver, resolved = LocalEnver(constellation, port=args.port).start(), None
    else:
        # As a test run sees it: the embedded AWS, everything published through /odmd-share,
        # the BDD state machine deployed. Runs in parallel (-n N, several projects' runs) share it:
        # moto gets a process of its own (aws/embedded_process.py).
        from odmd_bdd.resolution.envers import resolve_enver

        resolved = resolve_enver(constellation, "local", transport="sfn", local_port=args.port, aws_process=True)
        if resolved.local is None:  # "local" always brings one up; a resolver change must not pass silently
            resolved.close()
            raise OdmdError("resolve_enver(…, 'local') brought up no embedded enver")
        enver = resolved.local
    from odmd_bdd import heap

    heap.settle()  # moto and its models live until it stops: each collection walked them (odmd_bdd/heap.py)
    state = None
    path = running.state_path(args.project)
    claimed = RunningEnver.read(path)
    other = claimed is not None and running.alive(claimed.pid)  # the project's runs keep reusing that one
    if (
        resolved is not None and not other
    ):  # findable by the next `pytest features/` of the project (localenv/running.py)
        state = RunningEnver(
            url=enver.url,
            web_url=enver.web_url,
            endpoint_url=resolved.aws.endpoint_url,
            region=resolved.aws.region,
            pid=os.getpid(),
            transport="sfn",
            constellation=str(constellation.path),
            digest=running.digest(constellation),
            started_by=args.started_by,
            share=resolved.share.to_json() if resolved.share is not None else None,
        )
        state.write(path)
    try:
        print(f"odmd-bdd embedded enver ({constellation.path.name}) on {enver.url}")
        for name, url in enver.base_urls.items():
            print(f"  {name:<24} {url}")
        print(f"  {'web client':<24} {enver.web_client_url}")
        print(f"  {'fault plan':<24} {enver.url}/_odmd/faults  (GET / PUT / DELETE)")
        if resolved is not None:
            print(
                f"  {'embedded AWS':<24} {resolved.aws.endpoint_url}  (dummy credentials; e.g. aws --endpoint-url "
                f"{resolved.aws.endpoint_url} ssm get-parameters-by-path --path /odmd-share --recursive)"
            )
            print(f"  {'BDD state machine':<24} {resolved.state_machine_arn}")
        if state is not None:
            print(
                f"  {'reused by':<24} pytest features/ in {args.project.resolve()} "
                f"(state: {path}; odmd-bdd local-enver --stop stops it)"
            )
        elif other and claimed is not None:
            print(f"  {'reused by':<24} no run: {path} names another running enver (pid {claimed.pid})")
        print("Ctrl-C stops it.", flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    finally:
        if state is not None:
            state.remove(path)
        resolved.close() if resolved is not None else enver.stop()
    return 0


def _stop_local_enver(project: Path) -> int:
    """Stop the embedded enver the project's state file names (SIGTERM), waiting for it to go."""
    path = running.state_path(project)
    state = RunningEnver.read(path)
    if state is None:
        print(f"odmd-bdd: no running embedded enver ({path} is missing or unreadable)")
        return 0
    if running.alive(state.pid) and not running.serves(state):  # a recycled pid is not ours to signal
        state.remove(path)
        print(
            f"odmd-bdd: pid {state.pid}, named by {path}, does not answer as an embedded enver (a hung one, or "
            "a pid the system has given another process since): left alone; removed the file"
        )
        return 1
    if not running.stop(state, path):
        state.remove(path)
        print(f"odmd-bdd: the embedded enver of {path} (pid {state.pid}) was gone; removed the file")
        return 0
    print(f"odmd-bdd: stopped the embedded enver (pid {state.pid}, {state.url})")
    return 0


def _check(args: argparse.Namespace) -> int:
    from odmd_bdd.tools.dataset_check import as_dict, run_check

    report = run_check(args.constellation, args.features)
    if args.format == "json":
        print(
            json.dumps(
                {"ok": report.ok, "problems": [as_dict(p) for p in report.problems], "stats": report.stats}, indent=2
            )
        )
    else:
        for problem in report.problems:
            print(problem)
        s = report.stats
        verdict = f"{len(report.problems)} problem(s)" if report.problems else "ok"
        print(
            f"odmd-bdd check: {verdict} — {s.get('cases', 0)} cases, {s.get('events', 0)} event payloads, "
            f"{s.get('features', 0)} feature files; {s.get('cases_covered', 0)}/{s.get('cases', 0)} cases covered "
            f"by {s.get('scenarios_passed', 0)} passing scenarios ({s.get('seconds', 0)} s)",
            file=sys.stderr,
        )
    return 0 if report.ok else 1


def _add_service(args: argparse.Namespace) -> int:
    from odmd_bdd.tools.add_service import add_service, report

    draft, written = add_service(args.name, args.contract, args.constellation, use_case=args.use_case)
    print(report(draft, written))
    return 0


def _corpus(args: argparse.Namespace) -> int:
    import logging

    from odmd_bdd.tools.corpus import markdown, package_version, run_corpus

    # fuzzing sends malformed requests on purpose: the server's word on each is noise here
    logging.getLogger("uvicorn.error").addFilter(lambda record: "Invalid HTTP request" not in record.getMessage())
    if not args.package.is_dir():
        raise OdmdError(
            f"no {args.package}: npm ci --no-audit --no-fund installs @readme/oas-examples (make node-setup)"
        )
    rows = run_corpus(
        args.package,
        only=args.only or (),
        max_examples=args.max_examples,
        deadline=args.deadline,
        progress=lambda line: print(line, flush=True),
    )
    settings = (
        f"schemathesis: --max-examples {args.max_examples}, seed 1, a {args.deadline:.0f} s deadline per document"
    )
    text = markdown(rows, package_version(args.package), settings)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text)
    return 0 if all(r.ok for r in rows) else 1


def _project(args: argparse.Namespace) -> int:
    from odmd_bdd.tools.project import project

    for path in project(args.constellation, args.out):
        print(path)
    return 0


def _reliability(args: argparse.Namespace) -> int:
    from odmd_bdd.tools.reliability.catalog import load_catalog
    from odmd_bdd.tools.reliability.runner import flakiness, matrix_markdown, run_catalog

    try:
        catalog = load_catalog(Path.cwd())
    except OdmdError as exc:
        print(f"odmd-bdd: {exc}", file=sys.stderr)
        return 2
    cases = [c for c in catalog if (not args.only or c.id in args.only) and (not args.subset or c.in_subset)]
    unknown = set(args.only or ()) - {c.id for c in catalog}
    if unknown:
        print(f"odmd-bdd: unknown fault(s) {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    say = lambda line: print(line, flush=True)  # noqa: E731
    baseline, verdicts = run_catalog(Path.cwd(), cases, progress=say)
    flaky = flakiness(Path.cwd(), ("features",), args.flakiness, progress=say) if args.flakiness else None
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(matrix_markdown(baseline, verdicts, flaky), encoding="utf-8")
        print(f"wrote {args.out}")
    green = baseline.exit_code == 0 and not baseline.failures
    return 0 if green and all(v.ok for v in verdicts) and (flaky is None or flaky.identical) else 1


def _mutate(args: argparse.Namespace) -> int:
    from odmd_bdd.data.constellation import Constellation
    from odmd_bdd.tools.mutants.generate import generate
    from odmd_bdd.tools.mutants.run import markdown, run_mutants

    try:
        constellation = Constellation.load(args.constellation)
        mutants = generate(constellation)
    except OdmdError as exc:
        print(f"odmd-bdd: {exc}", file=sys.stderr)
        return 2
    if args.list:
        for m in mutants:
            print(f"{m.id}  {m.kind:28}  {m.case:40}  {m.description}")
        return 0
    layers: dict[str, int | None] = {"api": None}
    if args.gui_per_class:
        layers["gui"] = args.gui_per_class
    try:
        result = run_mutants(
            Path.cwd(), mutants, layers, workers=args.workers, progress=lambda line: print(line, flush=True)
        )
    except RuntimeError as exc:
        print(f"odmd-bdd: {exc}", file=sys.stderr)
        return 1
    text = markdown(result)
    if args.out:
        # The section replaces its earlier self; the rest of the file (the catalog's matrix) stays.
        old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        kept = old.split("## Generated mutants", 1)[0].rstrip()
        args.out.write_text((kept + "\n\n" if kept else "") + text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text)
    return 0 if not any(lr.survived for lr in result.layers.values()) else 1


def _browser(args: argparse.Namespace) -> int:
    """Find (as root: install) the GUI layer's Chromium once, at set-up; say plainly if there is none."""
    from odmd_bdd.gui.browser import BrowserNotFound, find_chromium

    try:
        found = find_chromium(install=False if args.no_install else None)
    except BrowserNotFound as exc:
        print(f"odmd-bdd: {exc}", file=sys.stderr)
        return 1
    print(f"odmd-bdd: Chromium: {found}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="odmd-bdd", description="Dual-level BDD harness for ondemandenv envers")
    parser.add_argument("--version", action="version", version=f"odmd-bdd {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    local = sub.add_parser("local-enver", help="serve the embedded local enver on 127.0.0.1")
    local.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    local.add_argument(
        "--no-aws",
        action="store_true",
        help="only the HTTP services and the web client: no embedded AWS, nothing published",
    )
    local.add_argument(
        "--constellation",
        type=Path,
        default=DEFAULT_CONSTELLATION,
        help=f"constellation file (default: {DEFAULT_CONSTELLATION})",
    )
    local.add_argument(
        "--project",
        type=Path,
        default=Path("."),
        help=f"the project whose `pytest features/` runs reuse it: its state file goes to "
        f"PROJECT/{running.STATE_DIR}/{running.STATE_NAME} (default: the current directory)",
    )
    local.add_argument("--stop", action="store_true", help="stop the embedded enver the project's state file names")
    local.add_argument("--started-by", default="local-enver", help=argparse.SUPPRESS)  # "--keep-enver": a run's
    local.set_defaults(func=_local_enver)
    check = sub.add_parser("check", help="check the master mock dataset against the artifacts and the features")
    check.add_argument(
        "--constellation",
        type=Path,
        default=DEFAULT_CONSTELLATION,
        help=f"constellation file (default: {DEFAULT_CONSTELLATION})",
    )
    check.add_argument(
        "--features",
        type=Path,
        default=DEFAULT_FEATURES,
        help=f"folder of the feature files (default: {DEFAULT_FEATURES})",
    )
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    check.set_defaults(func=_check)
    add = sub.add_parser("add-service", help="add a service from its OpenAPI document, with drafted dataset cases")
    add.add_argument("name", help="the service name (lower case, e.g. petstore)")
    add.add_argument("--contract", type=Path, required=True, help="its OpenAPI 3.1 (or 3.0) JSON document")
    add.add_argument("--use-case", default=None, help="the use case of its drafted cases (default: NAME upper case)")
    add.add_argument(
        "--constellation",
        type=Path,
        default=DEFAULT_CONSTELLATION,
        help=f"constellation file (default: {DEFAULT_CONSTELLATION})",
    )
    add.set_defaults(func=_add_service)
    corpus = sub.add_parser("corpus", help="run the contract conformance corpus and write its table")
    corpus.add_argument(
        "--package",
        type=Path,
        default=Path("node_modules/@readme/oas-examples"),
        help="the installed npm package (default: node_modules/@readme/oas-examples)",
    )
    corpus.add_argument("--out", type=Path, default=None, help="write the table here (make corpus: docs/CONTRACTS.md)")
    corpus.add_argument(
        "--only", nargs="*", default=None, metavar="DOC", help="only these documents (e.g. 3.1/json/petstore.json)"
    )
    corpus.add_argument("--max-examples", type=int, default=5, help="schemathesis examples per operation (default 5)")
    corpus.add_argument("--deadline", type=float, default=60.0, help="seconds of fuzzing per document (default 60)")
    corpus.set_defaults(func=_corpus)
    proj = sub.add_parser("project", help="write each service's MOCK_ENVER_CONTEXT.md from the dataset")
    proj.add_argument(
        "--constellation",
        type=Path,
        default=DEFAULT_CONSTELLATION,
        help=f"constellation file (default: {DEFAULT_CONSTELLATION})",
    )
    proj.add_argument(
        "--out", type=Path, default=Path("reports/projections"), help="output folder (default: reports/projections)"
    )
    proj.set_defaults(func=_project)
    for authoring in (authoring_steps, authoring_lint, authoring_new):  # QA's tools, src/odmd_bdd/tools/authoring/
        authoring.add_parser(sub)
    checkpoint_cli.add_parser(sub)  # phase checkpoints, src/odmd_bdd/tools/checkpoint/
    rel = sub.add_parser("reliability", help="run the fault catalog and write the detection matrix")
    rel.add_argument("--out", type=Path, default=None, help="write the matrix as Markdown (docs/RELIABILITY.md)")
    rel.add_argument("--only", nargs="*", default=None, metavar="FAULT", help="run only these faults (by id)")
    rel.add_argument("--subset", action="store_true", help="only the representative subset make test runs")
    rel.add_argument(
        "--flakiness",
        type=int,
        default=0,
        metavar="N",
        help="also run the unfaulted features N times; every run must give identical results",
    )
    rel.set_defaults(func=_reliability)
    mut = sub.add_parser("mutate", help="generate mutants from the contracts and dataset and run them")
    mut.add_argument("--constellation", type=Path, default=DEFAULT_CONSTELLATION)
    mut.add_argument("--list", action="store_true", help="only list the mutants")
    mut.add_argument("--out", type=Path, default=None, help="write the score as a Markdown section of this file")
    mut.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (default 2)")
    mut.add_argument(
        "--gui-per-class", type=int, default=0, metavar="N", help="also run N mutants per class on the GUI layer"
    )
    mut.set_defaults(func=_mutate)
    browser = sub.add_parser("browser", help="find (as root: apt-get install) the Chromium the GUI layer drives")
    browser.add_argument("--no-install", action="store_true", help="only look; never run apt-get")
    browser.set_defaults(func=_browser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except OdmdError as exc:
        print(f"odmd-bdd: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
