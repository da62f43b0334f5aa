"""`odmd-bdd check`: the platform's consistency check of the master mock dataset.

Three questions, every problem reported as one `file:line: what is wrong` line:

a. Does every example validate against its artifact? Each case's request body against its
   operation's request schema (a 400 case must break it, with the Zod issues it lists),
   its status and response body against the operation's responses, its path parameters
   against the route, and each event payload against the service's AsyncAPI message.
b. Is every shared ID written once? A literal in the dataset's use cases or in a feature
   file that equals a constant's value must name the constant; two constants may share a
   value only as an alias (`B: "${A}"`).
c. Is every use-case step covered? Every `${NAME}` a feature names must exist, and every
   dataset case (and every step of a journey) must be realised by a passing scenario when
   the features run on the API layer against the embedded enver (see `case_coverage`).

Each is a check in the registry (`checks.problems`): `dataset.examples`, `dataset.ids`,
`dataset.features`, `dataset.coverage`. A problem's `where` is the file, `line` its line.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from odmd_bdd.actors.base import Action
from odmd_bdd.checks import contract
from odmd_bdd.checks import events as event_checks
from odmd_bdd.checks.problems import Problem, check, in_file_order
from odmd_bdd.contracts import OpenApiContract, Operation, ServiceContracts, zod_issues
from odmd_bdd.contracts.openapi import short_message
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.data.dataset import Case, Dataset
from odmd_bdd.data.placeholders import NAME_RE, WHOLE_RE, Constants, names_in
from odmd_bdd.errors import ContractError, OdmdError
from odmd_bdd.tools.case_coverage import CaseMatcher, journey_alignment, run_features
from odmd_bdd.transports.base import prepare

MIN_SHARED_LENGTH = 6  # shorter strings are enum words (`root`, `child`), not shared IDs
_WORD = re.compile(r"[A-Za-z]+")
_PATH_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]")
_UNESCAPE = re.compile(r"\\(.)")


EXAMPLES, IDS, FEATURES, COVERAGE = "dataset.examples", "dataset.ids", "dataset.features", "dataset.coverage"


def as_dict(problem: Problem) -> dict[str, Any]:
    """A problem as `odmd-bdd check --format json` writes it: its `where` is a file, its code a check."""
    return {
        "file": problem.where,
        "line": problem.line,
        "check": problem.code.removeprefix("dataset."),
        "message": problem.message,
    }


@dataclass
class Report:
    problems: list[Problem]  # in file order: `where` is a file, `line` its line (0: the file as a whole)
    stats: dict[str, Any]

    @property
    def ok(self) -> bool:
        return not self.problems


def display(path: str | Path) -> str:
    """A path as messages show it: relative to the working directory when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --- the dataset's YAML, with a line for every key and list item -------------------------


class YamlLines:
    def __init__(self, text: str):
        self.root = yaml.compose(text)
        self.lines: dict[tuple, int] = {}
        self._index(self.root, ())

    def _index(self, node: yaml.Node | None, prefix: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self.lines[prefix + (key.value,)] = key.start_mark.line + 1
                self._index(value, prefix + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.lines[prefix + (i,)] = item.start_mark.line + 1
                self._index(item, prefix + (i,))

    def line(self, *path: Any) -> int:
        """The line of `path`, or of its closest ancestor that the file has."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1

    def node(self, *path: Any) -> yaml.Node | None:
        node = self.root
        for step in path:
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if k.value == step), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
            else:
                return None
        return node


def scalar_values(node: yaml.Node | None) -> Iterator[yaml.ScalarNode]:
    """Every scalar in value position (mapping keys are field names, not values)."""
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.MappingNode):
        for _key, value in node.value:
            yield from scalar_values(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from scalar_values(item)


def case_path(case: Case) -> tuple[str, ...]:
    uc, name = case.ref.split(".", 1)
    return ("use_cases", uc, "steps" if case.kind == "step" else "errors", name)


def json_path_steps(json_path: str) -> list[str | int]:
    """`$.links[0].link_id` → ['links', 0, 'link_id'] (jsonschema's `json_path` notation, the
    `where` of a schema check's problem; `$['a b']` → ['a b'])."""
    steps: list[str | int] = []
    for name, index, quoted in _PATH_STEP.findall(json_path[1:]):
        steps.append(int(index) if index else (name or _UNESCAPE.sub(r"\1", quoted)))
    return steps


def _hint(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1)
    return f" — did you mean {close[0]}?" if close else ""


# --- a. every example validates against its artifact -------------------------------------


def _issue_found(want: dict[str, Any], issues: list[dict[str, Any]]) -> bool:
    """The same rule as `expect.matches_case`: same path, and every other key listed equal."""
    want_path = [str(p) for p in want.get("path", [])]
    return any(
        [str(p) for p in got.get("path", [])] == want_path
        and all(got.get(k) == v for k, v in want.items() if k != "path")
        for got in issues
    )


def _issue_text(issue: dict[str, Any]) -> str:
    path = ".".join(str(p) for p in issue.get("path", [])) or "$"
    return f"{issue.get('code', '?')} at {path}"


def _parameter_problems(
    http: OpenApiContract, op: Operation, case: Case, label: str
) -> list[tuple[tuple[str, ...], str]]:
    """The case's request as the harness sends it, read back as the embedded enver reads it: a
    route the enver gives another operation (or none), a parameter value outside its schema, or
    one that is read back as another value or type (`"7"` for an integer petId) can never be
    answered by this case. (where in the case, message) pairs."""
    given = case.request.get("path") or {}
    query = case.request.get("query") or {}
    template = re.findall(r"\{([^{}/]+)\}", op.path)
    if set(given) != set(template):
        return []  # said above, by name
    url, _, _ = prepare("", op, None, given, None, query)
    split = urlsplit(url)
    found = http.find(op.method, unquote(split.path))
    if found is None or found[0] is not op:
        other = f"to {found[0].operation_id}" if found is not None else "to no operation"
        return [
            (
                ("request", "path"),
                f"{label}: the enver cannot route its request: {op.method} {unquote(split.path)} goes {other} "
                f"of {op.service}, so this case is never answered",
            )
        ]
    sent_headers = Action.from_case(case).header_fields(op)
    values, problems = op.read_parameters(
        found[1], parse_qsl(split.query, keep_blank_values=True), {k.lower(): v for k, v in sent_headers.items()}
    )
    out: list[tuple[tuple[str, ...], str]] = []
    for param, err in problems:
        where = ("request", param.location, param.name)
        if err is None:
            if param.location in ("path", "query", "header"):
                out.append((("request",), f"{label}: the {param.location} parameter {param.name!r} is required"))
            continue
        out.append(
            (where, f"{label}: {param.location} parameter {param.name}: {short_message(err)} (schema: {param.schema})")
        )
    for location, sent in (("path", given), ("query", query)):
        for name, value in sent.items():
            read = values[location].get(name, value)
            if op.parameter(location, name) is not None and (read != value or type(read) is not type(value)):
                out.append(
                    (
                        ("request", location, name),
                        f"{label}: the {location} parameter {name} is {value!r} ({type(value).__name__}), but the "
                        f"enver reads it by its schema as {read!r} ({type(read).__name__}), so this case never matches",
                    )
                )
    return out


@check(EXAMPLES)
def check_examples(
    constellation: Constellation,
    contracts: dict[str, ServiceContracts],
    lines: YamlLines,
    file: str,
    stats: dict[str, Any] | None = None,
) -> list[Problem]:
    """Every case against its service's contracts; counts what it checked into `stats`."""
    problems: list[Problem] = []
    stats = {} if stats is None else stats
    stats.update(requests=0, responses=0, events=0)

    def report(at: tuple, message: str) -> None:
        problems.append(Problem(EXAMPLES, file, message, line=lines.line(*at)))

    for case in constellation.dataset.cases.values():
        base = case_path(case)
        if case.service not in constellation.services:
            report(
                base + ("service",),
                f"{case.ref}: service {case.service!r} is not in the constellation "
                f"{display(constellation.path)}{_hint(case.service, list(constellation.services))}",
            )
            continue
        service = contracts[case.service]
        op = service.http.operations.get(case.operation)
        if op is None:
            report(
                base + ("operation",),
                f"{case.ref}: {case.service}'s contract ({display(service.http.artifact.address)}) "
                f"has no operation {case.operation!r}{_hint(case.operation, list(service.http.operations))}",
            )
            continue
        label = f"{case.ref} ({op.label})"

        template = re.findall(r"\{([^{}/]+)\}", op.path)
        given = case.request.get("path") or {}
        for name in given:
            if name not in template:
                report(
                    base + ("request", "path", name),
                    f"{label}: path parameter {name!r} is not in the route {op.method} {op.path}",
                )
        for name in template:
            if name not in given:
                report(
                    base + ("request",),
                    f"{label}: the route {op.method} {op.path} needs the path parameter {name!r}; the case gives none",
                )

        param_problems = _parameter_problems(service.http, op, case, label)
        if case.status != 400:
            for where, message in param_problems:
                report(base + where, message)

        body = case.request.get("body")
        if op.request_validator is None:
            if body is not None and not op.has_body:
                report(
                    base + ("request", "body"),
                    f"{label}: sends a request body, but {op.method} {op.path} declares none",
                )
            # an operation whose only declared answer is 400 answers it to any request: nothing to break
            if case.status == 400 and not param_problems and list(op.responses) != ["400"]:
                report(
                    base + ("response", "status"),
                    f"{label}: expects 400, but {op.method} {op.path} has no request body schema to break "
                    f"and its parameters fit their schemas",
                )
        else:
            stats["requests"] += 1
            if case.status == 400:
                issues = zod_issues(op.request_errors(body))
                if not issues:
                    report(
                        base + ("request", "body"),
                        f"{label}: expects 400, but its request body validates against the request schema",
                    )
                for i, want in enumerate(case.response.get("issues") or []):
                    if issues and not _issue_found(want, issues):
                        report(
                            base + ("response", "issues", i),
                            f"{label}: expects the issue {_issue_text(want)}, but validating its request yields "
                            f"{', '.join(_issue_text(got) for got in issues)}",
                        )
            else:
                for problem in contract.request(op, body):
                    report(
                        base + ("request", "body", *json_path_steps(problem.where)),
                        f"{label}: request body {problem}",
                    )

        stats["responses"] += 1
        if "body" in case.response:
            for problem in contract.response(op, case.status, case.response["body"]):
                at = ("body", *json_path_steps(problem.where)) if problem.where else ("status",)
                report(base + ("response", *at), f"{label}: response {problem}")
        elif op.response_key(case.status) is None:  # no body to check: the status alone
            for problem in contract.response(op, case.status, None):
                report(base + ("response", "status"), f"{label}: response {problem}")

        problems.extend(_check_events(case, service, label, lines, file, stats))
    return problems


def _check_events(
    case: Case, service: ServiceContracts, label: str, lines: YamlLines, file: str, stats: dict[str, Any]
) -> list[Problem]:
    """Each event against the service's AsyncAPI message. The contract comes from the
    constellation (a `bundle` artifact naming an asyncapi part); a service without one
    cannot have its events checked, which is itself a problem once it publishes any."""
    problems = []
    for i, event in enumerate(case.events):
        at = case_path(case) + ("events", i)
        name = event["message"]
        if service.events is None:
            problems.append(
                Problem(
                    EXAMPLES,
                    file,
                    f"{label}: publishes {name}, but "
                    f"{case.service} has no asyncapi artifact in the constellation to check it against "
                    f"(give it a bundle artifact with 'events')",
                    line=lines.line(*at, "message"),
                )
            )
            continue
        message = service.events.messages.get(name)
        if message is None:
            problems.append(
                Problem(
                    EXAMPLES,
                    file,
                    f"{label}: event {name} is not a message of "
                    f"{case.service}'s asyncapi artifact ({display(service.events.artifact.address)}; "
                    f"messages: {', '.join(sorted(service.events.messages)) or 'none'})",
                    line=lines.line(*at, "message"),
                )
            )
            continue
        stats["events"] += 1
        for problem in event_checks.payload(message, event["payload"]):
            problems.append(
                Problem(
                    EXAMPLES,
                    file,
                    f"{label}: event {name} payload {problem}",
                    line=lines.line(*at, "payload", *json_path_steps(problem.where)),
                )
            )
    return problems


# --- b. every shared ID is written once ----------------------------------------------------


def _shared(value: Any) -> bool:
    return isinstance(value, str) and len(value) >= MIN_SHARED_LENGTH


def _id_like(value: Any) -> bool:
    """A shared value that is not a plain word: plain words (`active`, `revoked`,
    `delegation`) are vocabulary that two constants may share and prose may use."""
    return _shared(value) and not _WORD.fullmatch(value)


def _is_alias(raw: Any) -> bool:
    return isinstance(raw, str) and WHOLE_RE.match(raw) is not None


def _repeat_message(value: str, names: list[str]) -> str:
    if len(names) == 1:
        return f"literal {value!r} repeats constant ${{{names[0]}}}; write ${{{names[0]}}}"
    options = " or ".join(f"${{{n}}}" for n in names)
    return f"literal {value!r} repeats constants {options}; write one of them"


def constants_by_value(constants: Constants, raw: dict[str, Any]) -> dict[str, list[str]]:
    """Shared value → the constants defining it, names that are not aliases first."""
    out: dict[str, list[str]] = {}
    for name, value in constants.items():
        if _shared(value):
            out.setdefault(value, []).append(name)
    return {v: sorted(names, key=lambda n: _is_alias(raw.get(n))) for v, names in out.items()}


@check(IDS)
def check_shared_ids(
    dataset: Dataset, raw: dict[str, Any], lines: YamlLines, file: str, features: list[Path]
) -> list[Problem]:
    problems: list[Problem] = []
    raw_constants = raw.get("constants") or {}
    by_value = constants_by_value(dataset.constants, raw_constants)

    for value, names in by_value.items():
        literal = [n for n in names if not _is_alias(raw_constants.get(n))]
        if len(literal) > 1 and _id_like(value):
            first = min(literal, key=lambda n: lines.line("constants", n))
            for other in literal:
                if other != first:
                    problems.append(
                        Problem(
                            IDS,
                            file,
                            f"constant {other} repeats the value {value!r} of ${{{first}}} "
                            f'(line {lines.line("constants", first)}); write {other}: "${{{first}}}" '
                            f"if it is the same ID, else give it a value of its own",
                            line=lines.line("constants", other),
                        )
                    )

    for node in scalar_values(lines.node("use_cases")):
        if node.tag.endswith(":str") and node.value in by_value:
            preferred = [n for n in by_value[node.value] if not _is_alias(raw_constants.get(n))] or by_value[node.value]
            problems.append(Problem(IDS, file, _repeat_message(node.value, preferred), line=node.start_mark.line + 1))

    id_values = {v: n for v, n in by_value.items() if _id_like(v)}
    for path in features:
        shown = display(path)
        for number, line in enumerate(_read_lines(path), 1):
            if line.lstrip().startswith("#"):
                continue
            for value in literal_ids_in(line, id_values):
                preferred = [n for n in id_values[value] if not _is_alias(raw_constants.get(n))] or id_values[value]
                problems.append(Problem(IDS, shown, _repeat_message(value, preferred), line=number))
    return problems


def literal_ids_in(line: str, values: dict[str, Any]) -> list[str]:
    """The constant values written literally in a feature line, as whole tokens (longest
    first, never inside a `${NAME}` or inside a longer match)."""
    masked = NAME_RE.sub(lambda m: " " * len(m.group(0)), line)
    taken: list[tuple[int, int]] = []
    found = []
    for value in sorted(values, key=len, reverse=True):
        start = masked.find(value)
        while start >= 0:
            end = start + len(value)
            before = masked[start - 1] if start else " "
            after = masked[end] if end < len(masked) else " "
            if not (before.isalnum() or before == "_" or after.isalnum() or after == "_") and not any(
                s < end and start < e for s, e in taken
            ):
                taken.append((start, end))
                found.append((start, value))
            start = masked.find(value, start + 1)
    return [value for _, value in sorted(found)]


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise OdmdError(f"cannot read the feature file {path}: {exc}") from None


# --- c. every constant a feature names exists; every case is covered ---------------------


@check(FEATURES)
def check_feature_constants(constants: Constants, features: list[Path]) -> list[Problem]:
    problems = []
    for path in features:
        shown = display(path)
        for number, line in enumerate(_read_lines(path), 1):
            if line.lstrip().startswith("#"):
                continue
            for name in dict.fromkeys(names_in(line)):
                if name not in constants:
                    where = f"{shown}:{number}"
                    text = str(constants.unknown_error(name, where)).removeprefix(f"{where}: ")
                    problems.append(Problem(FEATURES, shown, text, line=number))
    return problems


@check(COVERAGE)
def check_coverage(
    constellation: Constellation,
    features_dir: Path,
    lines: YamlLines,
    file: str,
    skip_collect_errors_in: set[str],
    stats: dict[str, Any] | None = None,
) -> list[Problem]:
    """Runs the features on the embedded enver; counts the scenarios and covered cases into `stats`."""
    started = time.perf_counter()
    run = run_features(features_dir, constellation.path)
    stats = {} if stats is None else stats
    stats.update(
        scenarios=len(run.scenarios),
        scenarios_passed=len(run.passed),
        feature_run_seconds=round(time.perf_counter() - started, 2),
    )
    problems: list[Problem] = []
    if not run.scenarios and run.exit_code not in (0, 5):  # 5: no tests collected
        tail = " | ".join(line.strip() for line in run.output.strip().splitlines()[-3:] if line.strip())
        problems.append(
            Problem(
                COVERAGE,
                display(features_dir),
                f"the features could not be run on the embedded enver "
                f"(pytest exit code {run.exit_code}), so coverage is unknown: {tail or 'no output'}",
            )
        )
        return problems
    for nodeid, message in run.collect_errors:
        located = run.feature_problems.get(nodeid)
        if not located:
            problems.append(Problem(COVERAGE, nodeid, f"cannot be collected: {message}"))
            continue
        for found in located:
            shown = display((run.rootpath or Path.cwd()) / found.where)
            if shown in skip_collect_errors_in:
                continue  # already reported line by line (unknown constants)
            problems.append(Problem(COVERAGE, shown, found.message, line=found.line))
    for scenario in run.scenarios:
        if not scenario.passed:
            problems.append(
                Problem(
                    COVERAGE,
                    display(scenario.feature),
                    f"scenario {scenario.name!r} fails on the API layer against the embedded enver, "
                    f"so it covers nothing: {scenario.failure}",
                    line=scenario.line,
                )
            )

    matcher = CaseMatcher(constellation)
    dataset = constellation.dataset
    realised = {s.nodeid: [matcher.realised(o) for o in s.observations] for s in run.passed}
    covered = {ref for steps in realised.values() for refs in steps for ref in refs}
    for case in dataset.cases.values():
        if case.ref not in covered:
            problems.append(
                Problem(
                    COVERAGE, file, f"case {case.ref} is not covered by any feature", line=lines.line(*case_path(case))
                )
            )
    for uc, journey in dataset.journeys.items():
        alignments = [(journey_alignment(journey, realised[s.nodeid]), s) for s in run.passed]
        performed, closest = max(alignments, key=lambda pair: sum(pair[0]), default=([False] * len(journey), None))
        hint = (
            f" (the closest scenario, {display(closest.feature)}:{closest.line}, performs {sum(performed)} of its "
            f"{len(journey)} steps in order)"
            if closest is not None and any(performed)
            else ""
        )
        for i, ref in enumerate(journey):
            if not performed[i]:
                problems.append(
                    Problem(
                        COVERAGE,
                        file,
                        f"journey {uc} step {i + 1} ({ref}) is not covered: no scenario performs it "
                        f"in the order of the {uc} journey{hint}",
                        line=lines.line("use_cases", uc, "journey", i),
                    )
                )
    stats["cases_covered"] = sum(1 for ref in dataset.cases if ref in covered)
    return problems


# --- the whole check -----------------------------------------------------------------------


def run_check(constellation_path: str | Path, features_dir: str | Path, *, coverage: bool = True) -> Report:
    """Every problem of the dataset, its artifacts and the features. Raises OdmdError when
    the input cannot be read at all (exit code 2). `coverage=False` skips running the
    features (the static checks only)."""
    started = time.perf_counter()
    constellation = Constellation.load(constellation_path)
    dataset = constellation.dataset
    features_dir = Path(features_dir)
    if not features_dir.is_dir():
        raise OdmdError(f"no features folder at {features_dir}")
    features = sorted(features_dir.rglob("*.feature"))
    text = dataset.path.read_text(encoding="utf-8")
    lines = YamlLines(text)
    raw = yaml.safe_load(text)
    file = display(dataset.path)

    problems: list[Problem] = []
    stats: dict[str, Any] = {
        "cases": len(dataset.cases),
        "constants": len(dataset.constants),
        "features": len(features),
    }
    try:
        contracts = constellation.service_contracts
    except ContractError as exc:
        contracts = None
        problems.append(
            Problem(
                EXAMPLES,
                display(constellation.path),
                f"cannot load the service contracts, so no example is checked and the features are not run: {exc}",
            )
        )
    if contracts is not None:
        problems += check_examples(constellation, contracts, lines, file, stats)
    problems += check_shared_ids(dataset, raw, lines, file, features)
    unknown = check_feature_constants(dataset.constants, features)
    problems += unknown
    if contracts is not None and coverage:
        problems += check_coverage(constellation, features_dir, lines, file, {p.where for p in unknown}, stats)
    stats["seconds"] = round(time.perf_counter() - started, 2)
    return Report(in_file_order(problems), stats)
