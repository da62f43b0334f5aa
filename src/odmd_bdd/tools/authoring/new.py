"""`odmd-bdd new UCn`: scaffold a feature file for a use case from the master mock dataset.

The feature has the use case's title, a happy-path scenario that sends each of its dataset
steps in order with the generic steps (`When the client sends the dataset case UCn.<step>` /
`Then the answer matches the dataset case UCn.<step>`, plus a check of each event the step
publishes), and one @error scenario per error case. The file is linted as soon as it is
written; replace generic steps with domain steps (`odmd-bdd steps`) where they read better.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from odmd_bdd.data.dataset import Case, Dataset
from odmd_bdd.data.placeholders import WHOLE_RE
from odmd_bdd.errors import OdmdError
from odmd_bdd.tools.authoring.layers import KNOWN_LAYERS
from odmd_bdd.tools.authoring.workspace import Workspace, add_options

SEND = "When the client sends the dataset case {ref}"
MATCHES = "Then the answer matches the dataset case {ref}"
EVENT = "Then {article} {message} event is published for ${{{constant}}}"


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def _use_case(dataset: Dataset, name: str) -> str:
    for uc in dataset.titles:
        if uc.lower() == name.lower():
            return uc
    close = difflib.get_close_matches(name.upper(), list(dataset.titles), n=1)
    hint = f" — did you mean {close[0]}?" if close else ""
    raise OdmdError(f"{dataset.path} has no use case {name}{hint} (it has {', '.join(dataset.titles)})")


def _raw_events(dataset: Dataset) -> dict[str, list[dict[str, Any]]]:
    """Each case's events as written in the dataset (constants not substituted), by ref."""
    raw = yaml.safe_load(dataset.path.read_text(encoding="utf-8")) or {}
    out: dict[str, list[dict[str, Any]]] = {}
    for uc, body in (raw.get("use_cases") or {}).items():
        for section in ("steps", "errors"):
            for name, spec in ((body or {}).get(section) or {}).items():
                out[f"{uc}.{name}"] = list((spec or {}).get("events") or [])
    return out


def _event_constant(payload: dict[str, Any]) -> str | None:
    """The constant an event is about: the first `*_id` field that is a whole ${NAME}, else the first one."""
    refs = [
        (key, whole.group(1))
        for key, value in payload.items()
        if isinstance(value, str) and (whole := WHOLE_RE.match(value))
    ]
    for key, name in refs:
        if key.endswith("_id"):
            return name
    return refs[0][1] if refs else None


def _background(workspace: Workspace) -> list[str]:
    """The Background the project's features use most (how they log in), if any."""
    from odmd_bdd.tools.authoring.features import parse_feature

    counts: Counter[tuple[str, ...]] = Counter()
    for path in workspace.feature_files():
        doc = parse_feature(path)
        if doc.scenarios and doc.scenarios[0].background:
            counts[tuple(step.typed_line for step in doc.scenarios[0].background)] += 1
    if not counts:
        return []
    return list(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0])


class Scaffold:
    def __init__(self, workspace: Workspace, use_case: str, background: list[str], defs: list | None = None):
        self.workspace = workspace
        self.defs = defs or []  # the step catalog, to tag scenarios whose steps support one layer only
        self.dataset = workspace.dataset
        self.uc = _use_case(self.dataset, use_case)
        self.events = _raw_events(self.dataset)
        self.background = background

    def cases(self, kind: str) -> list[Case]:
        if kind == "step" and self.uc in self.dataset.journeys:
            return [self.dataset.case(ref) for ref in self.dataset.journeys[self.uc]]
        return [c for c in self.dataset.cases.values() if c.ref.startswith(f"{self.uc}.") and c.kind == kind]

    def _exchange(self, case: Case, sent: set[str], with_events: bool) -> list[str]:
        """Lines sending `case` (after the cases it comes `after`) and checking its answer."""
        lines: list[str] = []
        for ref in case.after:
            if ref not in sent:
                lines += self._exchange(self.dataset.case(ref), sent, with_events=False)
        sent.add(case.ref)
        lines += [SEND.format(ref=case.ref), MATCHES.format(ref=case.ref)]
        for event in self.events.get(case.ref, []) if with_events else []:
            constant = _event_constant(event.get("payload") or {})
            message = str(event["message"])
            if constant:
                article = "an" if message[:1].upper() in "AEIOU" else "a"
                lines.append(EVENT.format(article=article, message=message, constant=constant))
            else:
                lines.append(f"# {case.ref} publishes {message}: check it with a step from `odmd-bdd steps`")
        return lines

    def _layer_tag(self, steps: list[str]) -> str | None:
        """@api-only / @gui-only when the steps (and the background) support only that layer."""
        layers = set(KNOWN_LAYERS)
        for line in self.background + [s for s in steps if not s.startswith("#")]:
            keyword, text = line.split(" ", 1)
            for d in self.defs:
                if d.matches(keyword.lower(), text):
                    layers &= set(d.layers)
                    break
        return f"{layers.pop()}-only" if len(layers) == 1 else None

    def _scenario(self, tags: list[str], name: str, steps: list[str]) -> list[str]:
        tag = self._layer_tag(steps)
        tags = tags + ([tag] if tag and tag not in tags else [])
        out = [""]
        if tags:
            out.append("  " + " ".join(f"@{t}" for t in tags))
        out.append(f"  Scenario: {name}")
        previous = None
        for step in steps:
            if step.startswith("#"):
                out.append(f"    {step}")
                continue
            keyword, text = step.split(" ", 1)
            out.append(f"    {'And' if keyword == previous else keyword} {text}")
            previous = keyword
        return out

    def render(self) -> str:
        uc, title = self.uc, self.dataset.titles[self.uc]
        steps, errors = self.cases("step"), self.cases("error")
        if not steps and not errors:
            raise OdmdError(f"{self.dataset.path}: use case {uc} has no steps, journey or errors to scaffold")
        needs_session = any(c.auth == "session" for c in steps + errors)
        out = [
            f"# Scaffolded by `odmd-bdd new {uc}` from the master mock dataset: every request and expected",
            "# answer is a dataset case. Replace generic steps with domain steps where they read better",
            "# (`odmd-bdd steps`), then check the file with `odmd-bdd lint`.",
            f"@{uc.lower()} @mock-only",
            f"Feature: {uc} — {title}",
            f"  The dataset's steps of {uc} in order, then each of its error cases.",
        ]
        if needs_session:
            out += ["", "  Background:"]
            if self.background:
                out += [f"    {line}" for line in self.background]
            else:
                out.append(
                    "    # these cases need a logged-in session: add the Given step that logs in (odmd-bdd steps)"
                )
        if steps:
            sent: set[str] = set()
            lines = [line for case in steps for line in self._exchange(case, sent, with_events=True)]
            out += self._scenario([], f"{uc} happy path: the dataset steps in order", lines)
        for case in errors:
            label = case.ref.split(".", 1)[1].replace("_", " ")
            tags = ["error"] + (["api-only"] if case.status == 400 else [])  # a browser form sends no malformed body
            out += self._scenario(tags, f"{uc} error: {label} ({case.status})", self._exchange(case, set(), False))
        return "\n".join(out) + "\n"


def target(out: str | None, workspace: Workspace, uc: str, title: str) -> Path:
    base = Path(out) if out else workspace.root / "features"
    if base.suffix == ".feature":
        return base
    return base / f"{uc.lower()}_{_slug(title)}.feature"


def run(args: argparse.Namespace) -> int:
    from odmd_bdd.tools.authoring.lint import Linter

    workspace = Workspace.at(args.root, args.constellation)
    if args.background is None:
        background = _background(workspace)
    else:
        background = [args.background] if args.background.strip() else []
    linter = Linter(workspace)
    scaffold = Scaffold(workspace, args.use_case, background, linter.defs)
    path = target(args.out, workspace, scaffold.uc, workspace.dataset.titles[scaffold.uc])
    if path.exists() and not args.force:
        print(f"odmd-bdd new: {workspace.show(path)} exists; pass --force to overwrite it", file=sys.stderr)
        return 1
    text = scaffold.render()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    written = path.resolve()
    others = workspace.feature_files() if (workspace.root / "features").is_dir() else []
    problems, docs = linter.lint(sorted({*others, written}))
    problems = [p for p in problems if p.where == workspace.show(written)]
    scenarios = sum(len(d.scenarios) for d in docs if d.path == written)
    print(
        f"odmd-bdd new: wrote {workspace.show(path)}: {scenarios} scenario{'s' * (scenarios != 1)} for the "
        f"{len(scaffold.cases('step'))} dataset steps and {len(scaffold.cases('error'))} error cases of {scaffold.uc}"
    )
    for problem in problems:
        print(problem)
    if problems:
        print(f"odmd-bdd new: the scaffold has {len(problems)} lint problem(s); fix them before running it")
        return 1
    print(f"run it: pytest {workspace.show(path)} -m api")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "new", help="scaffold a feature file for a use case from the dataset", description=__doc__.split("\n\n", 1)[1]
    )
    parser.add_argument("use_case", metavar="UCn", help="the use case, as the dataset names it (UC1, UC2 …)")
    parser.add_argument(
        "--out",
        metavar="PATH",
        help="folder (default: features/) or .feature file to write; the file is ucN_<title>.feature",
    )
    parser.add_argument("--force", action="store_true", help="overwrite the file if it exists")
    parser.add_argument(
        "--background",
        metavar="STEP",
        help="the Background step that logs in, e.g. 'Given the user is logged in to identity-service' "
        "(default: the one the project's features use most; '' for none)",
    )
    add_options(parser)
    parser.set_defaults(func=run)
