"""0B `artifact-valid`: the fetched artifacts checked as OpenAPI 3.1 / AsyncAPI 2.x with `odmdKind`,
every schema they hold valid JSON Schema (Draft 2020-12), compared with the local copy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from odmd_bdd.checks.problems import Problem
from odmd_bdd.contracts import AsyncApiContract, OpenApiContract
from odmd_bdd.contracts.artifacts import KINDS, Artifact
from odmd_bdd.contracts.openapi import METHODS
from odmd_bdd.errors import OdmdError
from odmd_bdd.tools.checkpoint.context import ProbeContext
from odmd_bdd.tools.checkpoint.items.schema_artifact import FetchedDoc, content_digest

ID, TITLE = "artifact-valid", "artifact is valid OpenAPI 3.1 / AsyncAPI 2.x with odmdKind"


@dataclass
class DocValidity:
    """One fetched (non-bundle) artifact: what it is and what is wrong with it."""

    doc: FetchedDoc
    summary: str  # "OpenAPI 3.1.0, 4 operations"
    problems: list[Problem] = field(default_factory=list)
    local: str | None = None  # the local copy's name, when there is one
    same_as_local: bool = False


@dataclass
class ArtifactValidity:
    root: FetchedDoc | None
    bundle_parts: list[str] | None = None  # a bundle root's parts ("http", "events"); None: not a bundle
    docs: list[DocValidity] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # of the whole (no artifact, no odmdKind, no openapi)


def _schemas_in(node: Any, where: str) -> list[tuple[str, Any]]:
    """Every JSON Schema an OpenAPI/AsyncAPI document holds: components, media types, payloads."""
    out: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}/{key}"
            if key in ("schema", "payload") and isinstance(value, (dict, bool)):
                out.append((here, value))
            elif key == "schemas" and isinstance(value, dict):
                out.extend((f"{here}/{name}", schema) for name, schema in value.items())
            else:
                out.extend(_schemas_in(value, here))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_schemas_in(value, f"{where}/{i}"))
    return out


def _schema_problems(doc: dict[str, Any]) -> list[Problem]:
    problems = []
    for where, schema in _schemas_in(doc, "#"):
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            problems.append(Problem(f"{ID}.schema", where, f"not a valid JSON Schema (Draft 2020-12): {exc.message}"))
    return problems


def _header_problems(d: dict[str, Any], kind: str, version_prefix: str, expected: str) -> list[Problem]:
    """odmdKind, the spec version (`d[kind]`, e.g. openapi: 3.1.0) and info of a schema artifact."""
    problems = []
    if d.get("odmdKind") != kind:
        problems.append(Problem(f"{ID}.kind", "", f"odmdKind is {d.get('odmdKind')!r}, expected {kind!r}"))
    if not str(d.get(kind, "")).startswith(version_prefix):
        problems.append(Problem(f"{ID}.version", "", f"{kind} is {d.get(kind)!r}, expected {expected}"))
    info = d.get("info") or {}
    if not (isinstance(info, dict) and info.get("title") and info.get("version")):
        problems.append(Problem(f"{ID}.info", "", "info.title and info.version are required"))
    return problems


def _openapi(service: str, doc: FetchedDoc) -> tuple[list[Problem], str]:
    d = doc.document
    problems = _header_problems(d, "openapi", "3.1", "3.1.x")
    servers = d.get("servers") or []
    if servers and (servers[0] or {}).get("url", "") != "":
        problems.append(
            Problem(
                f"{ID}.servers",
                "",
                f"servers[0].url is {servers[0].get('url')!r}: the platform keeps it empty "
                f"(consumers join the resolved base URL)",
            )
        )
    paths = d.get("paths")
    if not isinstance(paths, dict) or not paths:
        problems.append(Problem(f"{ID}.paths", "", "paths is empty"))
    count = 0
    for path, item in (paths or {}).items():
        for method, spec in (item or {}).items():
            if method not in METHODS:
                continue
            count += 1
            if not (spec or {}).get("responses"):
                problems.append(Problem(f"{ID}.responses", "", f"{method.upper()} {path} declares no responses"))
    problems += _schema_problems(d)
    if not problems:
        try:
            OpenApiContract(service, Artifact("openapi", d, doc.address, doc.version))
        except OdmdError as exc:
            problems.append(Problem(f"{ID}.contract", "", str(exc)))
    return problems, f"OpenAPI {d.get('openapi')}, {count} operations"


def _asyncapi(service: str, doc: FetchedDoc) -> tuple[list[Problem], str]:
    d = doc.document
    problems = _header_problems(d, "asyncapi", "2.", "2.x")
    channels = d.get("channels")
    if not isinstance(channels, dict) or not channels:
        problems.append(Problem(f"{ID}.channels", "", "channels is empty"))
    problems += _schema_problems(d)
    messages = 0
    if not problems:
        try:
            messages = len(AsyncApiContract(service, Artifact("asyncapi", d, doc.address, doc.version)).messages)
        except OdmdError as exc:
            problems.append(Problem(f"{ID}.contract", "", str(exc)))
    return problems, f"AsyncAPI {d.get('asyncapi')}, {len(channels or {})} channels, {messages} messages"


def check(ctx: ProbeContext, service: str, docs: list[FetchedDoc]) -> ArtifactValidity:
    if not docs:
        return ArtifactValidity(
            None,
            problems=[Problem(f"{ID}.none", "", "no artifact could be fetched (see 0A schema-artifact-published)")],
        )
    root = docs[0]
    found = ArtifactValidity(root)
    if root.document.get("odmdKind") not in KINDS:
        found.problems.append(Problem(f"{ID}.kind", root.url, f"no odmdKind (expected one of {', '.join(KINDS)})"))
    if "openapi" not in [d.kind for d in docs]:
        found.problems.append(
            Problem(f"{ID}.openapi", root.url, f"{service} publishes no openapi artifact for its HTTP API")
        )
    if root.kind == "bundle":
        found.bundle_parts = [k for k in ("http", "events") if k in root.document]
    local = {a.kind: a for a in ctx.constellation.service_contracts[service].artifacts}
    for doc in docs:
        if doc.kind == "bundle":
            continue
        if doc.kind == "openapi":
            problems, summary = _openapi(service, doc)
        elif doc.kind == "asyncapi":
            problems, summary = _asyncapi(service, doc)
        else:
            kind = doc.document.get("odmdKind")
            problems, summary = [Problem(f"{ID}.kind", "", f"odmdKind {kind!r} is not one of {', '.join(KINDS)}")], "?"
        validity = DocValidity(doc, summary, problems)
        same = local.get(doc.kind)
        if same is not None:
            from odmd_bdd.tools.dataset_check import display

            validity.local = display(same.address)
            validity.same_as_local = content_digest(same.document) == doc.content_digest
        found.docs.append(validity)
    return found
