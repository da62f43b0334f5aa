"""`odmd-bdd checkpoint`: measure each service's phase on an enver; never claim a phase on its own.

    odmd-bdd checkpoint [--enver local] [--service S] [--format markdown|json] [--out reports]
                        [--confirmations fixtures/phase-confirmations.yaml]
    odmd-bdd checkpoint confirm --service S --phase 0B --by NAME [--note TEXT] [--enver E]

The first form writes `<out>/checkpoint.md`, `<out>/checkpoint.json` and an Allure result
(in `<out>/allure-results`, beside the feature run's) and prints the chosen format. Exit
0: nothing fails and nothing regressed; 1: an item fails or a confirmed phase regressed;
2: the enver or an input cannot be used. `confirm` appends a confirmation record from the
current evidence, only when every item of the phase holds, and prints what it wrote.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from odmd_bdd.names import DEFAULT_CONSTELLATION, LAYERS

TOKEN_ENV = "ODMD_CHECKPOINT_BEARER_TOKEN"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--enver", default="local", help="enver to check (default: local, the embedded one)")
    parser.add_argument(
        "--constellation",
        type=Path,
        default=DEFAULT_CONSTELLATION,
        help=f"constellation file (default: {DEFAULT_CONSTELLATION})",
    )
    parser.add_argument(
        "--confirmations",
        type=Path,
        default=None,
        metavar="PATH",
        help="phase confirmation records (default: phase-confirmations.yaml beside the "
        "constellation's envers/ folder, i.e. fixtures/phase-confirmations.yaml)",
    )
    parser.add_argument(
        "--features", type=Path, default=Path("features"), help="feature files the BDD items run (default: features)"
    )
    parser.add_argument(
        "--base-urls",
        default=None,
        metavar="FILE",
        help="YAML {base_urls: {service: url}} overriding where services answer",
    )
    parser.add_argument(
        "--layer",
        choices=("all", *LAYERS, "none"),
        default="all",
        help="BDD layers to run (default: all; a layer not run fails its item)",
    )


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "checkpoint",
        help="measure each service's phase checklist on an enver",
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(parser)
    parser.add_argument(
        "--service",
        action="append",
        default=None,
        metavar="S",
        help="check only this service (repeatable; default: every service)",
    )
    parser.add_argument(
        "--format",
        choices=("markdown", "json"),
        default="markdown",
        help="what to print (default: markdown); both are written to --out",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="folder for checkpoint.md, checkpoint.json and allure-results/ (default: reports)",
    )
    parser.set_defaults(func=run)
    actions = parser.add_subparsers(
        dest="checkpoint_action", metavar="confirm", required=False, title="record a confirmation (optional)"
    )
    confirm = actions.add_parser("confirm", help="record a person's confirmation of a phase (current evidence)")
    _common(confirm)
    confirm.add_argument("--service", required=True, help="the service whose phase is confirmed")
    confirm.add_argument("--phase", required=True, type=str.upper, choices=("0B", "1A"), help="the phase")
    confirm.add_argument("--by", required=True, metavar="NAME", help="who confirms")
    confirm.add_argument("--note", default=None, help="free text kept with the record")
    confirm.set_defaults(func=run_confirm)


def _layers(choice: str) -> tuple[str, ...]:
    if choice == "all":
        return LAYERS
    return () if choice == "none" else (choice,)


def _measure(args: argparse.Namespace, services: list[str] | None, allure_dir: Path | None):
    from odmd_bdd.data.constellation import Constellation
    from odmd_bdd.resolution.envers import resolve_enver
    from odmd_bdd.tools.checkpoint.collect import collect
    from odmd_bdd.tools.checkpoint.confirmations import Confirmations, default_path

    constellation = Constellation.load(args.constellation)
    confirmations = Confirmations.load(args.confirmations or default_path(constellation))  # fail early
    enver = resolve_enver(constellation, args.enver, base_url_file=args.base_urls)
    try:
        evidence = collect(
            constellation,
            enver,
            services=services,
            features=args.features,
            layers=_layers(args.layer),
            allure_dir=allure_dir,
            base_url_file=args.base_urls,
            token=os.environ.get(TOKEN_ENV) or None,
        )
    finally:
        enver.close()
    return evidence, confirmations


def run(args: argparse.Namespace) -> int:
    from odmd_bdd.tools.checkpoint.report import build_report, write_allure_result, write_files

    started_ms = int(time.time() * 1000)
    allure_dir = args.out / "allure-results"
    if _layers(args.layer) == () and allure_dir.is_dir():
        shutil.rmtree(allure_dir)  # one run's results per folder; the feature run cleans it otherwise
    evidence, confirmations = _measure(args, args.service, allure_dir)
    report = build_report(evidence, confirmations)
    md_path, json_path, md, js = write_files(report, args.out)
    write_allure_result(report, allure_dir, md, js, started_ms)
    print(js if args.format == "json" else md, end="")
    counts: dict[str, int] = {}
    for phases in report.statuses.values():
        for status in phases.values():
            counts[status.code] = counts.get(status.code, 0) + 1
    print(
        f"odmd-bdd checkpoint: enver {evidence.enver} ({evidence.revision}), {len(evidence.services)} services: "
        + ", ".join(f"{n} {code}" for code, n in sorted(counts.items()))
        + f" — {md_path}, {json_path}, {allure_dir} ({evidence.seconds} s)",
        file=sys.stderr,
    )
    return 0 if report.ok else 1


def run_confirm(args: argparse.Namespace) -> int:
    from odmd_bdd.errors import OdmdError
    from odmd_bdd.tools.checkpoint.confirmations import append_record, new_record
    from odmd_bdd.tools.checkpoint.model import INDICATOR, MARK

    evidence, confirmations = _measure(args, [args.service], None)
    phase = evidence.phase_evidence(args.service, args.phase)
    for item in phase.items:
        print(f"{MARK[item.outcome]} {item.id}: {item.title}")
    try:
        record = new_record(phase, evidence.enver, args.by, args.note)
    except OdmdError as exc:
        print(f"odmd-bdd checkpoint confirm: nothing written: {exc}", file=sys.stderr)
        return 1
    latest = confirmations.latest(args.service, args.phase, evidence.enver)
    if latest is not None and latest.get("evidence_digest") == record["evidence_digest"]:
        print(
            f"odmd-bdd checkpoint confirm: {args.service} {args.phase} on {evidence.enver} is already confirmed "
            f"by {latest['confirmed_by']} on {latest['confirmed_at']} with this evidence; nothing written",
            file=sys.stderr,
        )
        return 0
    text = append_record(confirmations.path, record)
    print(f"appended to {confirmations.path} (review and commit it):\n{text}", end="")
    print(
        f"odmd-bdd checkpoint confirm: {args.service} {args.phase} is now {INDICATOR['COMPLETE']} on "
        f"{evidence.enver} while its evidence digest stays {record['evidence_digest']}",
        file=sys.stderr,
    )
    return 0
