"""`odmd-bdd corpus`: the conformance corpus of real contracts (npm `@readme/oas-examples`).

Each OpenAPI 3.1 and 3.0 JSON document of the package (not Swagger 2.0, not the YAML copies of
the JSON ones) goes through what a team adding it would do, in a project of its own:

1. valid?  openapi-spec-validator; an invalid document is listed with its message, not counted;
2. loaded: `odmd-bdd add-service` loads it with the contract loader and drafts a case per operation;
3. checked: `odmd-bdd check` (static: examples, parameters, routing) finds no problem in a case;
4. served: the embedded enver answers each drafted case, sent as the API layer sends it, with
   the case's status and body, and the answer keeps the contract;
5. fuzzed: schemathesis (few examples, a deadline per document) gets no 5xx from the enver.

The table goes to docs/CONTRACTS.md (`make corpus`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from odmd_bdd.actors.base import Action, Observation
from odmd_bdd.checks import contract, expect
from odmd_bdd.checks.problems import lines
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.errors import InvalidDocument
from odmd_bdd.localenv import LocalEnver
from odmd_bdd.localenv.faults import Fault
from odmd_bdd.transports.base import call_auth
from odmd_bdd.transports.http import HttpTransport

PACKAGE = Path("node_modules") / "@readme" / "oas-examples"
FOLDERS = ("3.1/json", "3.0/json")  # and their subfolders; 2.0 (Swagger) and the YAML copies are left out
TOKEN = "corpus-bearer-token"


@dataclass
class Row:
    document: str  # relative to the package
    openapi: str = "?"
    operations: int = 0
    invalid: str | None = None  # the validator's (or loader's) message: the document's fault, not ours
    unsatisfiable: dict[str, str] = field(default_factory=dict)  # operation -> its static proof (emptiness)
    loaded: bool = False
    checked: int = 0
    served: int = 0
    fuzzed: bool | None = None  # None: not run
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said, not failed

    @property
    def servable(self) -> int:
        """Operations some request and answer can keep (the others' proof is in `unsatisfiable`)."""
        return self.operations - len(self.unsatisfiable)

    @property
    def ok(self) -> bool:
        if self.invalid is not None:
            return True
        return (
            self.loaded
            and self.checked == self.servable
            and self.served == self.servable
            and (self.fuzzed is True or self.operations == 0)
            and not self.failures
        )


def documents(package: Path) -> list[Path]:
    """The package's OpenAPI 3.x JSON documents, in a stable order."""
    found = [p for folder in FOLDERS for p in sorted((package / folder).rglob("*.json"))]
    if not found:
        raise FileNotFoundError(f"no OpenAPI JSON documents under {package} (npm ci installs @readme/oas-examples)")
    return found


def service_name(path: Path) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return stem if stem[:1].isalpha() else f"s-{stem}"


def validator_message(document: Any) -> str | None:
    """None for a valid OpenAPI document, else the validator's message and where it points."""
    try:
        validate(document)
    except OpenAPIValidationError as exc:
        parts = [str(p).replace("~", "~0").replace("/", "~1") for p in getattr(exc, "path", ()) or ()]
        where = "/" + "/".join(parts)
        message = str(exc.message).strip().splitlines()[0]
        if len(message) > 160:  # the message quotes the whole value: say which rule it fails instead
            rule = "/".join(str(p) for p in getattr(exc, "schema_path", ()) or ())
            message = f"the value fails the OpenAPI schema's {rule or exc.validator}"
        return f"{message} (at {where})" if where != "/" else message
    return None


def _scaffold(root: Path) -> Path:
    """An empty project: a constellation with no service, a dataset with the bearer token."""
    (root / "fixtures" / "envers").mkdir(parents=True)
    (root / "fixtures" / "dataset").mkdir(parents=True)
    (root / "features").mkdir()
    (root / "fixtures" / "dataset" / "dataset.yaml").write_text(
        f"constants:\n  AUTH_JWT_TOKEN: {TOKEN}\nuse_cases:\n", encoding="utf-8"
    )
    constellation = root / "fixtures" / "envers" / "constellation.yaml"
    constellation.write_text(
        "dataset: dataset/dataset.yaml\n"
        "mock_auth:\n  valid_bearer_tokens: [AUTH_JWT_TOKEN]\n"
        "services:\n"
        "envers:\n  local:\n    embedded: true\n    revision: b..mock\n",
        encoding="utf-8",
    )
    return constellation


def _clip(text: str, at: int = 160) -> str:
    """One short sentence of a longer message (a reason cell stays readable)."""
    text = " ".join(text.split())
    return text if len(text) <= at else text[: at - 1] + "…"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def serve_cases(
    constellation: Constellation, enver: LocalEnver, service: str, skip: Iterable[str] = ()
) -> tuple[int, list[str]]:
    """Each drafted case of `service` (not those of the operations `skip`), sent as the API layer
    sends it; (answered as the case says, why not)."""
    skipped = set(skip)
    op_of = constellation.contracts[service].operation
    credentials = constellation.mock_credentials(service)
    failures: list[str] = []
    good = 0
    transport = HttpTransport()
    try:
        for case in constellation.dataset.cases.values():
            if case.operation in skipped:
                continue
            op = op_of(case.operation)
            action = Action.from_case(case)
            headers, auth_query = call_auth(op, credentials, TOKEN)
            query: Any = [*action.query.items(), *auth_query] if auth_query else action.query
            try:
                ex = transport.send(
                    enver.base_urls[service],
                    op,
                    body=action.body,
                    path_params=action.path,
                    query=query,
                    headers={**action.header_fields(op), **headers},
                )
            except Exception as exc:  # no answer at all is this case's failure, not the run's
                failures.append(f"served {case.operation}: no answer ({_first_line(exc)})")
                continue
            problems = expect.case_answer(Observation("api", action, ex.status, ex.response_body, [ex]), case)
            problems += contract.response(op, ex.status, ex.response_body, ex.content_type)
            if problems:
                failures.append(f"served {case.operation}: {_clip(lines(problems)[0])}")
            else:
                good += 1
    finally:
        transport.close()
    return good, failures


def fuzz_headers(constellation: Constellation, service: str) -> list[str]:
    """`Name: value` headers presenting every header/cookie credential of the service (schemathesis
    has no per-scheme auth on its command line; a query API key is not sent)."""
    contract_ = constellation.contracts[service]
    credentials = constellation.mock_credentials(service)
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    for scheme in contract_.security_schemes.values():
        h, _, c = scheme.present(credentials.get(scheme.name, TOKEN))
        for k, v in h.items():
            headers.setdefault(k, v)
        cookies.update(c)
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    headers.setdefault("Authorization", f"Bearer {TOKEN}")
    return [f"{k}: {v}" for k, v in headers.items()]


@dataclass
class Fuzzed:
    no_5xx: bool
    failure: str = ""  # the 5xx found (or why it could not run)
    note: str = ""  # what else schemathesis said, not a 5xx of ours


def fuzz(
    document: Path,
    base_url: str,
    headers: list[str],
    workdir: Path,
    *,
    max_examples: int,
    deadline: float,
    documented_5xx: Iterable[str] = (),
) -> Fuzzed:
    """schemathesis against the enver, `not_a_server_error` only. `documented_5xx`: "METHOD /path"
    of operations whose contract declares only 5xx answers: a 5xx there is the contract's."""
    exe = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or shutil.which("schemathesis")
    if exe is None:
        return Fuzzed(False, "schemathesis is not installed (the dev extra: pip install -e '.[dev]')")
    args = [exe, "run", str(document.resolve()), "-u", base_url, "--checks", "not_a_server_error"]
    args += [a for h in headers for a in ("--header", h)]
    args += ["--max-examples", str(max_examples), "--phases", "examples,coverage,fuzzing", "--seed", "1"]
    args += ["--request-timeout", "10", "--no-color"]
    try:
        done = subprocess.run(args, cwd=workdir, capture_output=True, text=True, timeout=deadline)
    except subprocess.TimeoutExpired:
        return Fuzzed(False, f"schemathesis did not finish within its {deadline:.0f} s deadline")
    if done.returncode == 0:
        return Fuzzed(True)
    out = done.stdout + done.stderr
    parts = re.split(r"^_{3,} (.+?) _{3,}$", out, flags=re.M)
    at_5xx = [title for title, body in zip(parts[1::2], parts[2::2]) if "Server error" in body]
    documented = set(documented_5xx)
    ours = [t for t in at_5xx if t not in documented]
    errors = re.search(r"^Errors:\n((?:  .*\n)+)", out, flags=re.M)
    said = "; ".join(line.strip(" 🚫") for line in errors.group(1).splitlines()) if errors else ""
    notes = [f"schemathesis: {said}"] if said else []
    if len(ours) < len(at_5xx):
        notes.append(f"a 5xx of {len(at_5xx) - len(ours)} operation(s) whose contract declares only 5xx answers")
    if ours:
        return Fuzzed(False, f"a 5xx at {', '.join(ours)}"[:400], "; ".join(notes))
    if not at_5xx and not said:
        return Fuzzed(False, f"schemathesis exit {done.returncode}: {out.strip().splitlines()[-1][:300]}")
    return Fuzzed(True, "", "; ".join(notes))


def run_document(
    path: Path,
    package: Path,
    workdir: Path,
    *,
    max_examples: int = 5,
    deadline: float = 60.0,
    fuzzing: bool = True,
    faults: Iterable[Fault] = (),
) -> Row:
    """One document through the whole line. `faults`: planted in the enver (a test's red row)."""
    from odmd_bdd.tools.add_service import add_service  # the command a team runs
    from odmd_bdd.tools.dataset_check import run_check

    row = Row(path.relative_to(package).as_posix())
    raw = json.loads(path.read_text(encoding="utf-8"))
    row.openapi = str(raw.get("openapi", raw.get("swagger", "?")))
    row.invalid = validator_message(raw)
    if row.invalid is not None:
        return row
    service = service_name(path)
    constellation_path = _scaffold(workdir)
    try:
        draft, _ = add_service(service, path, constellation_path)
    except InvalidDocument as exc:  # a MUST of the specification the validator does not check
        row.invalid = str(exc).split(": ", 1)[-1]
        return row
    except Exception as exc:  # the document's row says why it did not load
        row.failures.append(f"add-service: {_first_line(exc)}")
        return row
    row.loaded = True
    row.operations = len(draft.cases)
    row.notes += [f"{op} not drafted: it {why}" for op, why in draft.not_drafted.items()]
    constellation = Constellation.load(constellation_path)
    row.unsatisfiable = {op: why for op, why in draft.unsatisfiable.items() if op in draft.cases}
    report = run_check(constellation_path, workdir / "features", coverage=False)
    first: dict[str, str] = {}  # an operation's first problem: one sentence a row
    for p in report.problems:
        op = next((op for op in draft.cases if p.message.startswith(f"{draft.use_case}.{op} ")), None)
        if op not in row.unsatisfiable:
            first.setdefault(op or p.message, p.message.split(": ", 1)[-1])
    row.checked = row.servable - sum(1 for op in first if op in draft.cases)
    row.failures += [f"check {op}: {_clip(message)}" for op, message in first.items()]
    with LocalEnver(constellation) as enver:
        for fault in faults:
            enver.faults.add(fault)
        row.served, failures = serve_cases(constellation, enver, service, skip=row.unsatisfiable)
        row.failures += failures
        if fuzzing and row.operations == 0:
            row.notes.append("no operations: nothing to serve or fuzz")
        elif fuzzing:
            ops = constellation.contracts[service].operations.values()
            found = fuzz(
                path,
                enver.base_urls[service],
                fuzz_headers(constellation, service),
                workdir,
                max_examples=max_examples,
                deadline=deadline,
                documented_5xx=[
                    f"{op.method} {op.path}" for op in ops if op.responses and all(k[0] == "5" for k in op.responses)
                ],
            )
            row.fuzzed = found.no_5xx
            if found.failure:
                row.failures.append(f"fuzzed: {_clip(found.failure, 300)}")
            if found.note:
                row.notes.append(f"fuzzed: {found.note}")
    return row


def run_corpus(
    package: Path,
    *,
    only: Iterable[str] = (),
    max_examples: int = 5,
    deadline: float = 60.0,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Row]:
    rows = []
    wanted = set(only)
    for path in documents(package):
        rel = path.relative_to(package).as_posix()
        if wanted and rel not in wanted:
            continue
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="odmd-corpus-") as tmp:
            try:
                row = run_document(path, package, Path(tmp), max_examples=max_examples, deadline=deadline)
            except Exception as exc:  # one document's crash is its row, not the table's end
                row = Row(rel, failures=[f"crashed: {type(exc).__name__}: {_first_line(exc)}"])
        rows.append(row)
        verdict = "invalid document" if row.invalid else ("ok" if row.ok else "FAILED")
        progress(f"{rel}: {verdict} ({row.operations} operations, {time.monotonic() - started:.0f} s)")
    return rows


def _mark(ok: bool | None) -> str:
    return "–" if ok is None else ("yes" if ok else "**no**")


def markdown(rows: list[Row], version: str, settings: str) -> str:
    valid = [r for r in rows if r.invalid is None]
    servable = sum(r.servable for r in valid)
    unsatisfiable = sum(len(r.unsatisfiable) for r in valid)
    out = [
        "# Contract conformance corpus",
        "",
        "<!-- Generated by `odmd-bdd corpus` (make corpus); do not edit by hand. -->",
        "",
        f"Every OpenAPI 3.1 and 3.0 JSON document of the npm package `@readme/oas-examples` {version} "
        "(node_modules/, `npm ci`; Swagger 2.0 and the YAML copies of the JSON documents are left out), "
        "put through what a team adding it would do: `odmd-bdd add-service` loads it with the contract "
        "loader and drafts one case per operation; `odmd-bdd check` (its static checks: examples, "
        "parameters, routing) passes them; the embedded enver, sent each case as the API layer sends it, "
        "answers the case's status and body within the contract; schemathesis gets no 5xx "
        f"({settings}).",
        "",
        "A document the OpenAPI validator refuses, or that breaks a MUST of the specification the validator "
        "does not check (the loader's message names the rule), is listed as invalid and not counted as a "
        "failure of ours. An operation no request and answer can keep, proved from the document alone "
        "(`odmd_bdd.contracts.emptiness`: a required body or every response whose schema admits no value, "
        "every security requirement needing two HTTP authentication schemes in the one Authorization header, "
        "a path that is another operation's once its '#fragment' is dropped), is listed with its proof "
        "(JSON pointer and rule) and counted apart: it is not servable. The fuzzer still sends it requests.",
        "",
        f"**Totals:** {len(rows)} documents; {len(rows) - len(valid)} invalid as published; of the {len(valid)} "
        f"valid ones {sum(r.loaded for r in valid)} loaded, "
        f"{sum(1 for r in valid if r.loaded and r.checked == r.servable)} with every servable case checked, "
        f"{sum(1 for r in valid if r.loaded and r.served == r.servable)} with every servable operation served, "
        f"{sum(1 for r in valid if r.fuzzed)} fuzzed without a 5xx "
        f"({sum(1 for r in valid if r.loaded and r.operations == 0)} have no operation to fuzz); "
        f"{sum(r.checked for r in valid)}/{servable} servable operations checked, "
        f"{sum(r.served for r in valid)}/{servable} served, "
        f"{unsatisfiable} unsatisfiable by their document (listed); "
        f"**{sum(1 for r in valid if not r.ok)} document(s) failing**.",
        "",
        "| Document | OpenAPI | Operations | Loaded | Checked | Served | Fuzzed (no 5xx) | Reason for every failure |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r.invalid is not None:
            cells = [r.document, r.openapi, "–", "–", "–", "–", "–", f"invalid document: {r.invalid}"]
        else:
            apart = f" (+{len(r.unsatisfiable)} unsatisfiable)" if r.unsatisfiable else ""
            cells = [
                r.document,
                r.openapi,
                str(r.operations),
                _mark(r.loaded),
                f"{r.checked}/{r.servable}{apart}" if r.loaded else "–",
                f"{r.served}/{r.servable}{apart}" if r.loaded else "–",
                _mark(r.fuzzed),
                "<br>".join(
                    [
                        *r.failures,
                        *(f"unsatisfiable by the document: {op}: {why}" for op, why in r.unsatisfiable.items()),
                        *(f"note: {n}" for n in r.notes),
                    ]
                ),
            ]
        out.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(out) + "\n"


def package_version(package: Path) -> str:
    try:
        return str(json.loads((package / "package.json").read_text(encoding="utf-8"))["version"])
    except (OSError, KeyError, ValueError):
        return "(unknown version)"
