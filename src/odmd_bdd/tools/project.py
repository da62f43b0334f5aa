"""`odmd-bdd project`: each service's slice of the master mock dataset, as the
MOCK_ENVER_CONTEXT.md its team develops the Phase 0 (`mock` enver) service from.

Per service: its routes (from its OpenAPI artifact), its channels and messages (from its
AsyncAPI artifact, when the constellation gives it one), every use-case step and error
case it answers with the exact request, response and event examples, the cross-service
journeys it takes part in, and the shared constants it uses. The output is a pure
function of the input files: no timestamps, no absolute paths, stable order.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from odmd_bdd.contracts import ServiceContracts
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.data.dataset import Case
from odmd_bdd.data.placeholders import names_in

DEFAULT_OUT = Path("reports/projections")
FILE_NAME = "MOCK_ENVER_CONTEXT.md"


def project(constellation_path: str | Path, out: str | Path = DEFAULT_OUT) -> list[Path]:
    """Write `<out>/<service>/MOCK_ENVER_CONTEXT.md` for every service; returns the files."""
    constellation = Constellation.load(constellation_path)
    dataset = constellation.dataset
    raw = yaml.safe_load(dataset.path.read_text(encoding="utf-8")) or {}
    contracts = constellation.service_contracts
    out = Path(out)
    written = []
    for service in sorted(constellation.services):
        text = render_service(constellation, service, contracts[service], raw)
        path = out / service / FILE_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


# --- rendering --------------------------------------------------------------------------


def _rel(address: str | Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(Path(address).resolve(), base)).as_posix()
    except ValueError:  # another drive
        return Path(address).name


def _code(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = text.replace("|", "\\|")
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _json(value: Any) -> list[str]:
    return ["```json", json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False), "```"]


def _raw_case(raw: dict[str, Any], case: Case) -> dict[str, Any]:
    uc, name = case.ref.split(".", 1)
    section = "steps" if case.kind == "step" else "errors"
    return (((raw.get("use_cases") or {}).get(uc) or {}).get(section) or {}).get(name) or {}


def _names(value: Any) -> list[str]:
    """Every ${NAME} in a raw (unsubstituted) value, in order of appearance."""
    if isinstance(value, str):
        return names_in(value)
    if isinstance(value, dict):
        return [n for v in value.values() for n in _names(v)]
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


def case_constants(constellation: Constellation, case: Case, raw: dict[str, Any], secured: bool) -> list[str]:
    """The constants a case names, plus the bearer token its `auth` sends on a secured route."""
    spec = _raw_case(raw, case)
    names = _names({k: spec.get(k) for k in ("request", "response", "events")})
    if secured and case.auth == "session":
        names += constellation.valid_bearer_constants[:1]
    if secured and case.auth == "wrong" and constellation.invalid_bearer_constant:
        names.append(constellation.invalid_bearer_constant)
    return list(dict.fromkeys(n for n in names if n in constellation.dataset.constants))


def _security(doc: dict[str, Any], spec: dict[str, Any]) -> str:
    requirements = spec.get("security", doc.get("security")) or []
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    names = sorted({name for req in requirements for name in (req or {})})
    if not names:
        return "none"
    parts = []
    for name in names:
        scheme = schemes.get(name) or {}
        kind = " ".join(str(scheme[k]) for k in ("type", "scheme") if k in scheme)
        parts.append(f"`{name}` ({kind})" if kind else f"`{name}`")
    return ", ".join(parts)


def _request_line(case: Case, method: str, template: str) -> str:
    path = template
    for name, value in sorted((case.request.get("path") or {}).items()):
        path = path.replace("{" + name + "}", str(value))
    query = case.request.get("query") or {}
    if query:
        path += "?" + "&".join(f"{k}={query[k]}" for k in sorted(query))
    return f"{method} {path}"


def _auth_text(constellation: Constellation, case: Case, secured: bool) -> str:
    if not secured:
        return "none (the route is not secured)"
    if case.auth == "none":
        return "no `Authorization` header"
    if case.auth == "wrong":
        token = constellation.invalid_bearer_constant
        return (
            f"`Authorization: Bearer ${{{token}}}` (a token the service must refuse)"
            if token
            else "a wrong bearer token"
        )
    token = (constellation.valid_bearer_constants or ["AUTH_JWT_TOKEN"])[0]
    return f"`Authorization: Bearer ${{{token}}}` (the session token)"


def render_service(constellation: Constellation, service: str, contracts: ServiceContracts, raw: dict[str, Any]) -> str:
    dataset = constellation.dataset
    spec = constellation.services[service]
    base = constellation.base
    http = contracts.http
    doc = http.artifact.document
    cases = [c for c in dataset.cases.values() if c.service == service]
    mock = constellation.envers.get("mock") or next(
        (e for _, e in sorted(constellation.envers.items()) if e.revision.split("..")[-1] == "mock" and not e.embedded),
        None,
    )

    out: list[str] = [
        f"# MOCK_ENVER_CONTEXT: {service}",
        "",
        f"<!-- Generated by `odmd-bdd project` from {_rel(dataset.path, base)} and {service}'s artifacts. "
        "Edit the dataset or the artifacts and regenerate; do not edit this file. -->",
        "",
        f"Phase 0, the `mock` enver: contract verification with MOCKED responses only, no business logic. "
        f"This is {service}'s slice of the master mock dataset: every use-case step and error case it answers, "
        "with the exact request, response and event examples (they validate against the artifacts below: "
        "`odmd-bdd check`), and the shared constants it uses. Every value is a mock value, identical in every "
        "service and in both BDD levels. This file marks no phase complete.",
        "",
        "## Enver",
        "",
        "| what | value |",
        "|---|---|",
        f"| build | `{spec.build_id}` |",
    ]
    if mock is not None:
        share = f"/odmd-share/{spec.build_id}/{mock.revision}/{spec.base_url_producer}"
        out += [
            f"| mock enver | `{mock.name}` (revision `{mock.revision}`) |",
            f"| base URL (SSM) | `{share}` |",
            f"| schema artifact URL (SSM) | `{share}/schema-url` |",
        ]
    else:
        out.append(f"| base URL producer | `{spec.base_url_producer}` (the constellation has no mock enver) |")
    for artifact in contracts.artifacts:
        out.append(f"| {artifact.kind} artifact | `{_rel(artifact.address, base)}` @ `{artifact.version}` |")
    out += [
        "",
        "## Mocked behaviour",
        "",
        "- A request that matches a case below (every field the case's request names is equal) gets that "
        "case's status and body; a case listed with *after* answers only once those cases were answered "
        "in the same run.",
        "- A body that breaks the request schema gets **400** with Zod issues: "
        '`{"name": "ZodError", "issues": [{"code", "path", "message", ...}]}`.',
        "- A secured route without a valid bearer token gets **401**.",
        "- When a case with events is answered, each event is published to its channel's SQS queue.",
        "",
        "## Routes",
        "",
        "| method | path | operationId | summary | security | declared statuses |",
        "|---|---|---|---|---|---|",
    ]
    for op in sorted(http.operations.values(), key=lambda o: (o.path, o.method)):
        op_spec = (doc.get("paths") or {}).get(op.path, {}).get(op.method.lower(), {})
        statuses = ", ".join(sorted(op.declared_statuses()))
        out.append(
            f"| {op.method} | `{op.path}` | `{op.operation_id}` | {op_spec.get('summary', '')} | "
            f"{_security(doc, op_spec)} | {statuses} |"
        )

    out += ["", "## Events", ""]
    published = sorted({e["message"] for c in cases for e in c.events})
    if contracts.events is not None:
        events_doc = contracts.events.artifact.document
        summaries = (events_doc.get("components") or {}).get("messages") or {}
        out += ["| message | channel | SQS queue | summary | published by |", "|---|---|---|---|---|"]
        for name, message in sorted(contracts.events.messages.items()):
            by = ", ".join(c.ref for c in cases if any(e["message"] == name for e in c.events)) or "no case"
            summary = next((m.get("summary", "") for key, m in summaries.items() if m.get("name", key) == name), "")
            out.append(f"| `{name}` | `{message.channel}` | `{message.queue}` | {summary} | {by} |")
        unknown = [n for n in published if n not in contracts.events.messages]
        if unknown:
            out += ["", f"Published by the dataset but not in the AsyncAPI artifact: {', '.join(unknown)}."]
    elif published:
        out.append(
            f"{service} has no AsyncAPI artifact in the constellation yet; the dataset's cases publish "
            f"{', '.join(f'`{n}`' for n in published)} (payloads under each case below)."
        )
    else:
        out.append(f"{service} publishes no events.")

    out += ["", "## Use-case steps", ""]
    if not cases:
        out.append(f"No case of the dataset is answered by {service}.")
    for uc in dataset.titles:
        own = [c for c in cases if c.ref.startswith(f"{uc}.")]
        if not own:
            continue
        out += [f"### {uc}: {dataset.titles[uc]}", ""]
        for case in own:
            out += _render_case(constellation, contracts, case, raw)

    journeys = {
        uc: refs for uc, refs in dataset.journeys.items() if any(dataset.cases[r].service == service for r in refs)
    }
    if journeys:
        out += ["## Cross-service journeys", ""]
        for uc, refs in journeys.items():
            out += [
                f"### {uc}: {dataset.titles.get(uc, uc)}",
                "",
                f"Steps {service} answers are in bold; the IDs it returns must reappear unchanged in the "
                "later steps that use them.",
                "",
                "| # | case | service |",
                "|---|---|---|",
            ]
            for i, ref in enumerate(refs, 1):
                owner = dataset.cases[ref].service
                cell = f"**{ref}**" if owner == service else ref
                out.append(f"| {i} | {cell} | {owner} |")
            out.append("")

    used: dict[str, None] = {}
    for case in cases:
        case_op = http.operations.get(case.operation)
        for name in case_constants(constellation, case, raw, case_op is None or case_op.secured):
            used[name] = None
    others = _users_of_constants(constellation, raw, exclude=service)
    out += [
        "## Shared constants (mock values)",
        "",
        "The master mock dataset's constants this service's cases use. They are mock values for Phase 0, "
        "the same in every service and in both BDD levels; the ones marked *mock credential* are test "
        "tokens, never real secrets.",
        "",
    ]
    if used:
        out += ["| constant | value | note | also used by |", "|---|---|---|---|"]
        for name in sorted(used):
            note = "mock credential" if dataset.constants.is_secret(name) else ""
            also = ", ".join(sorted(others.get(name, ()))) or ""
            out.append(f"| `{name}` | {_code(dataset.constants[name])} | {note} | {also} |")
    else:
        out.append("None.")
    return "\n".join(out).rstrip() + "\n"


def _render_case(
    constellation: Constellation, contracts: ServiceContracts, case: Case, raw: dict[str, Any]
) -> list[str]:
    op = contracts.http.operations.get(case.operation)
    kind = "step" if case.kind == "step" else "error case"
    if op is None:
        return [
            f"#### {case.ref} ({kind})",
            "",
            f"Operation `{case.operation}` is not in the contract (`odmd-bdd check` names it).",
            "",
        ]
    out = [
        f"#### {case.ref} ({kind}): `{op.method} {op.path}` (`{op.operation_id}`)",
        "",
        f"- Authorization: {_auth_text(constellation, case, op.secured)}",
    ]
    if case.after:
        out.append(f"- Answered after: {', '.join(case.after)} (same run)")
    if case.fallback:
        out.append("- Fallback: answers any otherwise unmatched, schema-valid request of this operation")
    names = case_constants(constellation, case, raw, op.secured)
    if names:
        out.append(f"- Constants: {', '.join(f'`${{{n}}}`' for n in names)}")
    out += ["", f"Request: `{_request_line(case, op.method, op.path)}`"]
    if "body" in case.request:
        out += [""] + _json(case.request["body"])
    out += ["", f"Response: **{case.status}**"]
    if "body" in case.response:
        out += [""] + _json(case.response["body"])
    elif case.response.get("issues"):
        out += ["", "The Zod issues the 400 answer must list (at least):", ""] + _json(case.response["issues"])
    else:
        out += ["", "(no body: a client only observes the status)"]
    for event in case.events:
        message = contracts.events.messages.get(event["message"]) if contracts.events else None
        where = f" on `{message.channel}` (SQS queue `{message.queue}`)" if message else ""
        out += ["", f"Event `{event['message']}`{where}:", ""] + _json(event["payload"])
    out.append("")
    return out


def _users_of_constants(constellation: Constellation, raw: dict[str, Any], exclude: str) -> dict[str, set[str]]:
    """Constant → the other services whose cases use it (cross-service correlation)."""
    users: dict[str, set[str]] = {}
    contracts = constellation.contracts
    for case in constellation.dataset.cases.values():
        if case.service == exclude or case.service not in contracts:
            continue
        op = contracts[case.service].operations.get(case.operation)
        for name in case_constants(constellation, case, raw, op is None or op.secured):
            users.setdefault(name, set()).add(case.service)
    return users
