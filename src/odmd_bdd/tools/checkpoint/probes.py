"""The checkpoint's own measurements: what /odmd-share and S3 hold, and how each service answers.

The seed's checkpoint validation templates, run for real against a resolved enver:

- 0A: the base URL parameter in /odmd-share, one request to it, the schema-url parameter
  and the exact S3 version it names (a bundle's parts too);
- 0B: the fetched artifacts checked as OpenAPI 3.1 / AsyncAPI 2.x with `odmdKind`, an
  invalid request built from the contract (a required field dropped, else a field of the
  wrong type) that must get 400 with Zod-style issues, the dataset's case of each
  operation that must get 2xx matching the response schema, and the dataset's coverage of
  the contract with its `odmd-bdd project` output;
- 1A: the same valid requests, whose answers must now differ from the mock dataset where
  real logic is expected (state-changing operations), and the events of real state
  changes on the channels' SQS queues.

Evidence lines name what was requested (method, route, body with credentials masked),
what came back and which artifact version; they leave out ports and timings.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from odmd_bdd.actors.base import RUN_HEADER
from odmd_bdd.aws.share import SCHEMA_URL_CHILD, ShareNotFound, fetch_artifact, read_share, share_name
from odmd_bdd.checks import expect
from odmd_bdd.contracts import AsyncApiContract, OpenApiContract, ServiceContracts, zod_issues
from odmd_bdd.contracts.artifacts import KINDS, Artifact
from odmd_bdd.contracts.openapi import METHODS
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.data.dataset import Case
from odmd_bdd.errors import OdmdError, TransportError
from odmd_bdd.events.sqs import MessageIndex, queue_name
from odmd_bdd.reporting.redaction import Redactor
from odmd_bdd.resolution.envers import Enver
from odmd_bdd.tools.checkpoint.model import FAIL, NA, PASS, Item, canonical_json, sha256
from odmd_bdd.transports import Exchange, HttpTransport

RUN_PREFIX = "odmd-checkpoint-"
_MAX_LINE = 240


@dataclass
class FetchedDoc:
    """One published artifact as fetched: its exact version and the digest of its content."""

    kind: str
    address: str  # s3://bucket/key (or a file path when the enver is not resolved through the share)
    version: str
    document: dict[str, Any]
    size: int
    content_digest: str

    @property
    def url(self) -> str:
        return f"{self.address}@{self.version}"


@dataclass
class ValidProbe:
    """One dataset case sent as a valid request, and what came back."""

    case: Case
    request: str  # the evidence text of the request
    exchange: Exchange | None
    error: str | None = None  # no answer at all
    problems: list[str] = field(default_factory=list)  # contract problems of the answer
    differences: list[str] = field(default_factory=list)  # from the dataset's answer
    run: str = ""
    sent_at: float = 0.0


class ProbeContext:
    """What every probe of one checkpoint run shares: the enver, its AWS, one HTTP client."""

    def __init__(
        self,
        constellation: Constellation,
        enver: Enver,
        *,
        token: str | None = None,
        event_timeout: float = 5.0,
        http_timeout: float = 10.0,
    ):
        self.constellation = constellation
        self.enver = enver
        self.dataset = constellation.dataset
        self.redactor = Redactor(self.dataset.constants.secret_values())
        self.transport = HttpTransport(timeout=http_timeout)
        valid = [
            str(self.dataset.constants[n]) for n in constellation.valid_bearer_constants if n in self.dataset.constants
        ]
        self.token = token or (valid[0] if valid else None)
        self.event_timeout = event_timeout
        self.run_prefix = RUN_PREFIX + uuid.uuid4().hex[:8]
        self._runs = 0
        client = enver.aws_client
        self.ssm = client("ssm") if client is not None else None
        self.s3 = client("s3") if client is not None else None
        self.sqs = enver.sqs()
        self.messages = MessageIndex(enver.event_contracts)
        self._valid: dict[str, list[ValidProbe]] = {}

    def new_run(self) -> str:
        """A run id of its own per probe (X-Odmd-Run), so a mock enver's per-run state starts empty."""
        self._runs += 1
        return f"{self.run_prefix}-{self._runs}"

    def close(self) -> None:
        """Delete the per-run event queues the probes caused (an embedded enver creates them)."""
        self.transport.close()
        if self.sqs is None:
            return
        for base in sorted({m.queue for m in self.messages.by_name.values()}):
            try:
                urls = self.sqs.list_queues(QueueNamePrefix=queue_name(base, self.run_prefix)).get("QueueUrls", [])
                for url in urls:
                    self.sqs.delete_queue(QueueUrl=url)
            except Exception:  # cleanup only: a queue already gone or a refused list is fine
                pass


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_LINE else text[: _MAX_LINE - 1] + "…"


def _json(ctx: ProbeContext, value: Any) -> str:
    return json.dumps(ctx.redactor.json(value), ensure_ascii=False, separators=(",", ":"))


def _route(op, case_path: dict[str, Any] | None, query: dict[str, Any] | None) -> str:
    path = op.path
    for name, value in (case_path or {}).items():
        path = path.replace("{" + name + "}", str(value))
    if query:
        path += "?" + "&".join(f"{k}={query[k]}" for k in sorted(query))
    return f"{op.method} {path}"


# --- Phase 0A -----------------------------------------------------------------------------


def content_digest(document: Any, parts: dict[str, str] | None = None) -> str:
    """sha256 of the document's canonical JSON; a reference to a fetched part (its s3 URL with
    the VersionId, which changes with every publication) counts by the part's content digest."""
    parts = parts or {}

    def norm(value: Any) -> Any:
        if isinstance(value, str) and value in parts:
            return parts[value]
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        return value

    return sha256(canonical_json(norm(document)))


def _fetch(ctx: ProbeContext, url: str) -> FetchedDoc:
    fetched = fetch_artifact(ctx.s3, url)
    try:
        doc = json.loads(fetched.data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OdmdError(f"{fetched.url} is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise OdmdError(f"{fetched.url} is not a JSON object")
    kind = doc.get("odmdKind") if doc.get("odmdKind") in KINDS else "?"
    return FetchedDoc(kind, fetched.address, fetched.version, doc, len(fetched.data), "")


def phase_0a(ctx: ProbeContext, service: str) -> tuple[list[Item], list[FetchedDoc]]:
    spec = ctx.constellation.services[service]
    endpoint = ctx.enver.services[service]
    revision = ctx.enver.spec.revision
    items: list[Item] = []

    # The base URL, as OdmdShareOut publishes it.
    name = share_name(spec.build_id, revision, spec.base_url_producer)
    title = "base URL published in /odmd-share"
    if ctx.ssm is None:
        items.append(
            Item(
                "base-url-published",
                title,
                FAIL,
                [
                    f"the enver is not resolved through /odmd-share: {service}'s base URL came from "
                    f"{endpoint.source}, so {name} was not read"
                ],
            )
        )
    else:
        try:
            value = read_share(ctx.ssm, spec.build_id, revision, spec.base_url_producer)
            lines = [f"SSM {name} = {value}"]
            if value.rstrip("/") != endpoint.base_url:
                lines.append(f"the run uses {endpoint.base_url} instead ({endpoint.source})")
            items.append(Item("base-url-published", title, PASS, lines))
        except ShareNotFound as exc:
            items.append(Item("base-url-published", title, FAIL, [str(exc)]))

    # Reachable: any HTTP answer counts (the seed's curl of an endpoint).
    title = "base URL reachable"
    try:
        with httpx.Client(timeout=httpx.Timeout(5.0, connect=3.0), trust_env=False) as client:
            answer = client.get(endpoint.base_url)
        items.append(
            Item(
                "base-url-reachable",
                title,
                PASS,
                [f"GET {endpoint.base_url} → HTTP {answer.status_code} (any HTTP answer counts)"],
            )
        )
    except httpx.HTTPError as exc:
        items.append(
            Item(
                "base-url-reachable", title, FAIL, [f"GET {endpoint.base_url} → no answer: {type(exc).__name__}: {exc}"]
            )
        )

    # The schema artifact: schema-url names an exact S3 version; a bundle names its parts.
    title = "schema artifact published (schema-url resolves to an S3 version)"
    docs: list[FetchedDoc] = []
    schema_name = share_name(spec.build_id, revision, spec.base_url_producer, SCHEMA_URL_CHILD)
    if ctx.ssm is None or ctx.s3 is None:
        items.append(
            Item(
                "schema-artifact-published",
                title,
                FAIL,
                [f"the enver is not resolved through /odmd-share, so {schema_name} was not read"],
            )
        )
        return items, docs
    lines: list[str] = []
    try:
        url = read_share(ctx.ssm, spec.build_id, revision, spec.base_url_producer, SCHEMA_URL_CHILD)
        lines.append(f"SSM {schema_name} = {url}")
        root = _fetch(ctx, url)
        parts: dict[str, str] = {}
        part_docs = []
        if root.kind == "bundle":
            for key in ("http", "events"):
                ref = root.document.get(key)
                if isinstance(ref, str):
                    part = _fetch(ctx, ref)
                    part.content_digest = content_digest(part.document)
                    parts[ref] = part.content_digest
                    part_docs.append((key, part))
        root.content_digest = content_digest(root.document, parts)
        docs = [root] + [p for _, p in part_docs]
        lines.append(
            f"{root.address} version {root.version}: odmdKind {root.kind}, {root.size} bytes, "
            f"content {root.content_digest}"
        )
        for key, part in part_docs:
            lines.append(
                f"  {key}: {part.address} version {part.version}: odmdKind {part.kind}, {part.size} bytes, "
                f"content {part.content_digest}"
            )
        items.append(Item("schema-artifact-published", title, PASS, lines))
    except OdmdError as exc:  # ShareNotFound, ArtifactNotFound, a malformed s3 URL or document
        items.append(Item("schema-artifact-published", title, FAIL, lines + [str(exc)]))
    return items, docs


def resolved_docs(ctx: ProbeContext, service: str) -> list[FetchedDoc]:
    """The artifacts the resolution used, when the share could not be read (explicit URLs)."""
    out = []
    for artifact in ctx.enver.services[service].artifacts:
        out.append(
            FetchedDoc(
                artifact.kind,
                artifact.address,
                artifact.version,
                artifact.document,
                len(canonical_json(artifact.document)),
                content_digest(artifact.document),
            )
        )
    return out


# --- Phase 0B: the artifact ------------------------------------------------------------------


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


def _schema_problems(doc: dict[str, Any]) -> list[str]:
    problems = []
    for where, schema in _schemas_in(doc, "#"):
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            problems.append(f"{where}: not a valid JSON Schema (Draft 2020-12): {exc.message}")
    return problems


def _header_problems(d: dict, kind: str, version_prefix: str, expected: str) -> list[str]:
    """odmdKind, the spec version (`d[kind]`, e.g. openapi: 3.1.0) and info of a schema artifact."""
    problems = []
    if d.get("odmdKind") != kind:
        problems.append(f"odmdKind is {d.get('odmdKind')!r}, expected {kind!r}")
    if not str(d.get(kind, "")).startswith(version_prefix):
        problems.append(f"{kind} is {d.get(kind)!r}, expected {expected}")
    info = d.get("info") or {}
    if not (isinstance(info, dict) and info.get("title") and info.get("version")):
        problems.append("info.title and info.version are required")
    return problems


def _openapi_problems(service: str, doc: FetchedDoc) -> tuple[list[str], str]:
    d = doc.document
    problems = _header_problems(d, "openapi", "3.1", "3.1.x")
    servers = d.get("servers") or []
    if servers and (servers[0] or {}).get("url", "") != "":
        problems.append(
            f"servers[0].url is {servers[0].get('url')!r}: the platform keeps it empty "
            f"(consumers join the resolved base URL)"
        )
    paths = d.get("paths")
    if not isinstance(paths, dict) or not paths:
        problems.append("paths is empty")
    count = 0
    for path, item in (paths or {}).items():
        for method, spec in (item or {}).items():
            if method not in METHODS:
                continue
            count += 1
            if not (spec or {}).get("responses"):
                problems.append(f"{method.upper()} {path} declares no responses")
    problems += _schema_problems(d)
    if not problems:
        try:
            OpenApiContract(service, Artifact("openapi", d, doc.address, doc.version))
        except OdmdError as exc:
            problems.append(str(exc))
    return problems, f"OpenAPI {d.get('openapi')}, {count} operations"


def _asyncapi_problems(service: str, doc: FetchedDoc) -> tuple[list[str], str]:
    d = doc.document
    problems = _header_problems(d, "asyncapi", "2.", "2.x")
    channels = d.get("channels")
    if not isinstance(channels, dict) or not channels:
        problems.append("channels is empty")
    problems += _schema_problems(d)
    messages = 0
    if not problems:
        try:
            messages = len(AsyncApiContract(service, Artifact("asyncapi", d, doc.address, doc.version)).messages)
        except OdmdError as exc:
            problems.append(str(exc))
    return problems, f"AsyncAPI {d.get('asyncapi')}, {len(channels or {})} channels, {messages} messages"


def artifact_item(ctx: ProbeContext, service: str, docs: list[FetchedDoc]) -> Item:
    title = "artifact is valid OpenAPI 3.1 / AsyncAPI 2.x with odmdKind"
    if not docs:
        return Item("artifact-valid", title, FAIL, ["no artifact could be fetched (see 0A schema-artifact-published)"])
    root = docs[0]
    lines, failed = [], False
    if root.document.get("odmdKind") not in KINDS:
        failed = True
        lines.append(f"✘ {root.url}: no odmdKind (expected one of {', '.join(KINDS)})")
    kinds = [d.kind for d in docs]
    if "openapi" not in kinds:
        failed = True
        lines.append(f"✘ {root.url}: {service} publishes no openapi artifact for its HTTP API")
    if root.kind == "bundle":
        lines.append(
            f"✔ {root.url}: odmdKind bundle → {', '.join(k for k in ('http', 'events') if k in root.document)}"
        )
    local = {a.kind: a for a in ctx.constellation.service_contracts[service].artifacts}
    for doc in docs:
        if doc.kind == "bundle":
            continue
        if doc.kind == "openapi":
            problems, what = _openapi_problems(service, doc)
        elif doc.kind == "asyncapi":
            problems, what = _asyncapi_problems(service, doc)
        else:
            problems, what = [f"odmdKind {doc.document.get('odmdKind')!r} is not one of {', '.join(KINDS)}"], "?"
        same = local.get(doc.kind)
        copy = ""
        if same is not None:
            copy = (
                "; same content as the local copy "
                if content_digest(same.document) == doc.content_digest
                else "; differs from the local copy "
            ) + _local_name(ctx, same)
        if problems:
            failed = True
            lines.append(f"✘ {doc.url}: {what}: " + "; ".join(problems[:5]))
        else:
            lines.append(f"✔ {doc.url}: {what}, odmdKind {doc.kind}, every schema valid (Draft 2020-12){copy}")
    return Item("artifact-valid", title, FAIL if failed else PASS, [_clip(line) for line in lines])


def _local_name(ctx: ProbeContext, artifact: Artifact) -> str:
    from odmd_bdd.tools.dataset_check import display

    return display(artifact.address)


# --- Phase 0B: invalid and valid requests ------------------------------------------------------


def _deref(doc: dict[str, Any], schema: Any, depth: int = 0) -> dict[str, Any]:
    """Follow local `$ref`s and merge `allOf` members, enough to find `required` and `properties`."""
    if not isinstance(schema, dict) or depth > 20:
        return {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        node: Any = doc
        for part in ref[2:].split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
        return _deref(doc, node, depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {"required": [], "properties": {}}
        for member in schema["allOf"]:
            sub = _deref(doc, member, depth + 1)
            merged["required"] += sub.get("required", [])
            merged["properties"].update(sub.get("properties", {}))
        return merged
    return schema


def _wrong_value(schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    return 12345 if kind == "string" or "enum" in schema else "not-a-" + str(kind or "value")


def _headers(ctx: ProbeContext, op, case: Case | None, run: str) -> dict[str, str]:
    headers = {RUN_HEADER: run}
    auth = case.auth if case is not None else "session"
    if op.secured and auth == "session" and ctx.token:
        headers["Authorization"] = f"Bearer {ctx.token}"
    return headers


def _valid_case(ctx: ProbeContext, service: str, op_id: str) -> Case | None:
    """The dataset's case for a valid request of the operation: a served use-case step with a 2xx
    answer, preferring one that needs no earlier step."""
    cases = [
        c
        for c in ctx.dataset.cases_for(service, op_id)
        if c.kind == "step" and c.served and 200 <= c.status < 300 and c.auth == "session"
    ]
    cases.sort(key=lambda c: (len(c.after), c.fallback))
    return cases[0] if cases else None


def invalid_request_item(ctx: ProbeContext, service: str) -> Item:
    title = "invalid request → 400 with Zod-style issues"
    endpoint = ctx.enver.services[service]
    contract = endpoint.contract
    doc = contract.artifact.document
    lines, failed, probed = [], False, 0
    for op in sorted(contract.operations.values(), key=lambda o: o.operation_id):
        if op.request_validator is None:
            continue
        case = _valid_case(ctx, service, op.operation_id)
        base = case.request.get("body") if case is not None else {}
        base = base if isinstance(base, dict) else {}
        spec = (doc.get("paths") or {}).get(op.path, {}).get(op.method.lower(), {})
        schema = _deref(
            doc, ((((spec.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get("schema"))
        )
        required = [f for f in schema.get("required", []) if f in base] or list(schema.get("required", []))
        if required:
            field_name = required[0]
            body = {k: v for k, v in base.items() if k != field_name}
            how = f"without the required field `{field_name}`"
        elif schema.get("properties"):
            field_name = sorted(schema["properties"])[0]
            body = {**base, field_name: _wrong_value(_deref(doc, schema["properties"][field_name]))}
            how = f"with `{field_name}` of the wrong type"
        else:
            field_name, body, how = "", None, "with no body"
        expected = zod_issues(op.request_errors(body))
        if not expected:
            lines.append(f"– {op.operation_id}: no invalid body could be built from its request schema")
            continue
        probed += 1
        path = case.request.get("path") if case is not None else {}
        query = case.request.get("query") if case is not None else {}
        request = f"{_route(op, path, query)} {how}"
        try:
            ex = ctx.transport.send(
                endpoint.base_url,
                op,
                body=body,
                path_params=path,
                query=query,
                headers=_headers(ctx, op, case, ctx.new_run()),
            )
        except TransportError as exc:
            failed = True
            lines.append(_clip(f"✘ {request} → no answer: {exc}"))
            continue
        want_path = [str(p) for p in expected[0]["path"]]
        issues = ex.response_body.get("issues") if isinstance(ex.response_body, dict) else None
        shaped = (
            isinstance(issues, list)
            and issues
            and all(
                isinstance(i, dict)
                and isinstance(i.get("code"), str)
                and isinstance(i.get("path"), list)
                and isinstance(i.get("message"), str)
                for i in issues
            )
        )
        names_field = shaped and any([str(p) for p in i["path"]] == want_path for i in issues)
        problems = op.response_problems(ex.status, ex.response_body, ex.content_type) if ex.status == 400 else []
        if ex.status != 400:
            failed = True
            lines.append(_clip(f"✘ {request} → {ex.status} (expected 400): {_json(ctx, ex.response_body)}"))
        elif not shaped:
            failed = True
            lines.append(
                _clip(
                    f"✘ {request} → 400 without Zod-style issues [{{code, path, message}}]: "
                    f"{_json(ctx, ex.response_body)}"
                )
            )
        elif not names_field:
            failed = True
            lines.append(
                _clip(f"✘ {request} → 400, but no issue at {'.'.join(want_path) or '$'}: {_issues_text(issues)}")
            )
        elif problems:
            failed = True
            lines.append(_clip(f"✘ {request} → 400 breaking its contract: {'; '.join(problems[:3])}"))
        else:
            lines.append(_clip(f"✔ {request} → 400, issues: {_issues_text(issues)}"))
    if not probed:
        return Item(
            "invalid-request-400",
            title,
            NA,
            lines + [f"no operation of {service}'s contract takes a request body to break"],
        )
    return Item("invalid-request-400", title, FAIL if failed else PASS, lines)


def _issues_text(issues: list[dict[str, Any]]) -> str:
    return ", ".join(f"{i.get('code')} at {'.'.join(str(p) for p in i.get('path', [])) or '$'}" for i in issues[:5])


def _prerequisites(ctx: ProbeContext, case: Case, seen: set[str] | None = None) -> list[Case]:
    """The cases `case` comes after, transitively, in the order to send them."""
    seen = set() if seen is None else seen
    out: list[Case] = []
    for ref in case.after:
        if ref in seen:
            continue
        seen.add(ref)
        before = ctx.dataset.case(ref)
        out += _prerequisites(ctx, before, seen) + [before]
    return out


def _send_case(ctx: ProbeContext, case: Case, run: str) -> Exchange:
    endpoint = ctx.enver.services[case.service]
    op = endpoint.contract.operation(case.operation)
    return ctx.transport.send(
        endpoint.base_url,
        op,
        body=case.request.get("body"),
        path_params=case.request.get("path"),
        query=case.request.get("query"),
        headers=_headers(ctx, op, case, run),
    )


def valid_probes(ctx: ProbeContext, service: str) -> list[ValidProbe]:
    """Each operation's valid dataset case sent once (prerequisite steps first, same run)."""
    if service in ctx._valid:
        return ctx._valid[service]
    endpoint = ctx.enver.services[service]
    probes = []
    for op in sorted(endpoint.contract.operations.values(), key=lambda o: o.operation_id):
        case = _valid_case(ctx, service, op.operation_id)
        if case is None:
            continue
        run = ctx.new_run()
        request = f"{_route(op, case.request.get('path'), case.request.get('query'))} ({case.ref})"
        if case.request.get("body") is not None:
            request += f" {_json(ctx, case.request['body'])}"
        try:
            for before in _prerequisites(ctx, case):
                _send_case(ctx, before, run)
            sent_at = time.time()
            ex = _send_case(ctx, case, run)
        except (TransportError, OdmdError) as exc:
            probes.append(ValidProbe(case, request, None, error=str(exc), run=run))
            continue
        problems = op.response_problems(ex.status, ex.response_body, ex.content_type)
        differences = (
            expect.body_differences(case.response.get("body"), ex.response_body)
            if ex.status == case.status
            else [f"status {ex.status}, the dataset's {case.status}"]
        )
        probes.append(ValidProbe(case, request, ex, None, problems, differences, run, sent_at))
    ctx._valid[service] = probes
    return probes


def valid_request_item(ctx: ProbeContext, service: str) -> Item:
    title = "valid request (the dataset's case) → 2xx matching the response schema"
    probes = valid_probes(ctx, service)
    ops = ctx.enver.services[service].contract.operations
    lines, failed = [], False
    for probe in probes:
        if probe.exchange is None:
            failed = True
            lines.append(_clip(f"✘ {probe.request} → no answer: {probe.error}"))
            continue
        ex = probe.exchange
        if not 200 <= ex.status < 300 or probe.problems:
            failed = True
            why = "; ".join(probe.problems[:3]) or f"expected 2xx, {_json(ctx, ex.response_body)}"
            lines.append(_clip(f"✘ {probe.request} → {ex.status}: {why}"))
            continue
        same = (
            "equals the dataset's answer"
            if not probe.differences
            else f"differs from the dataset's answer: {'; '.join(probe.differences[:2])}"
        )
        lines.append(_clip(f"✔ {probe.request} → {ex.status}, body matches the response schema; {same}"))
    probed = {p.case.operation for p in probes}
    missing = sorted(set(ops) - probed)
    if missing:
        lines.append(f"– no 2xx use-case step in the dataset for: {', '.join(missing)}")
    if not probes:
        return Item(
            "valid-request-2xx", title, FAIL, lines or [f"the dataset has no valid case for any operation of {service}"]
        )
    return Item("valid-request-2xx", title, FAIL if failed else PASS, lines)


# --- Phase 0B: the dataset projection ---------------------------------------------------------


def projection_item(
    ctx: ProbeContext,
    service: str,
    example_problems: list[str],
    projection: str | None,
    projection_error: str | None,
    existing: Path | None,
) -> Item:
    title = "dataset projection covers its UC steps"
    from odmd_bdd.tools.project import FILE_NAME

    contract = ctx.enver.services[service].contract
    cases = [c for c in ctx.dataset.cases.values() if c.service == service]
    lines, failed = [], False
    uncovered = sorted(op for op in contract.operations if not ctx.dataset.cases_for(service, op))
    if uncovered:
        failed = True
        lines.append(f"✘ operations of the published contract without a dataset case: {', '.join(uncovered)}")
    else:
        lines.append(f"✔ every operation of the published contract ({len(contract.operations)}) has a dataset case")
    unknown = sorted({c.operation for c in cases if c.operation not in contract.operations})
    if unknown:
        failed = True
        lines.append(f"✘ dataset cases call operations the published contract lacks: {', '.join(unknown)}")
    if example_problems:
        failed = True
        lines += [_clip(f"✘ {p}") for p in example_problems[:5]]
        if len(example_problems) > 5:
            lines.append(f"✘ … and {len(example_problems) - 5} more example problems")
    else:
        steps = sum(1 for c in cases if c.kind == "step")
        ucs = sorted({c.ref.split(".", 1)[0] for c in cases})
        lines.append(
            f"✔ its {len(cases)} cases ({steps} steps, {len(cases) - steps} error cases; "
            f"{', '.join(ucs) or 'no use case'}) validate against the published artifacts"
        )
    if projection is None:
        failed = True
        lines.append(f"✘ `odmd-bdd project` cannot generate its {FILE_NAME}: {projection_error}")
    else:
        missing = [c.ref for c in cases if f"#### {c.ref} (" not in projection]
        if missing:
            failed = True
            lines.append(f"✘ its generated {FILE_NAME} lacks {', '.join(missing)}")
        else:
            lines.append(f"✔ `odmd-bdd project` generates its {FILE_NAME} with every case ({sha256(projection)[:23]}…)")
        if existing is not None and existing.exists():
            same = existing.read_text(encoding="utf-8") == projection
            lines.append(
                f"{'✔' if same else '–'} {existing} {'is up to date' if same else 'is stale (run odmd-bdd project)'}"
            )
    return Item("projection-covers", title, FAIL if failed else PASS, lines)


# --- Phase 1A --------------------------------------------------------------------------------


def _real_logic_expected(ctx: ProbeContext, probe: ValidProbe) -> bool:
    """Where a real service must answer other than the mock: operations that change state."""
    op = ctx.enver.services[probe.case.service].contract.operation(probe.case.operation)
    return op.method != "GET" or bool(probe.case.events)


def real_answers_item(ctx: ProbeContext, service: str) -> Item:
    title = "answers differ from the mock dataset where real logic is expected"
    probes = [p for p in valid_probes(ctx, service) if _real_logic_expected(ctx, p)]
    if not probes:
        return Item("real-answers", title, NA, [f"{service} has no state-changing operation with a dataset case"])
    lines, failed = [], False
    for probe in probes:
        ex = probe.exchange
        if ex is None:
            failed = True
            lines.append(_clip(f"✘ {probe.request} → no answer: {probe.error}"))
        elif not 200 <= ex.status < 300 or probe.problems:
            failed = True
            lines.append(_clip(f"✘ {probe.request} → {ex.status}: {'; '.join(probe.problems[:3]) or 'not 2xx'}"))
        elif not probe.differences:
            failed = True
            lines.append(_clip(f"✘ {probe.request} → {ex.status}, exactly the mock dataset's answer: still mocked"))
        else:
            lines.append(
                _clip(
                    f"✔ {probe.request} → {ex.status}, schema-valid, differs from the mock: "
                    f"{'; '.join(probe.differences[:2])}"
                )
            )
    return Item("real-answers", title, FAIL if failed else PASS, lines)


def _receive(ctx: ProbeContext, name: str, queues: list[str], since: float, deadline: float) -> Any:
    """The first `name` event sent after `since` on one of `queues` (peeked: VisibilityTimeout 0)."""
    urls = []
    for queue in queues:
        try:
            urls.append((queue, ctx.sqs.get_queue_url(QueueName=queue)["QueueUrl"]))
        except Exception:  # that queue does not exist on this enver
            continue
    if not urls:
        return None
    while True:
        for queue, url in urls:
            remaining = deadline - time.monotonic()
            answer = ctx.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=0,
                WaitTimeSeconds=max(0, min(1, int(remaining))),
                MessageAttributeNames=["All"],
                AttributeNames=["SentTimestamp"],
            )
            for message in answer.get("Messages", []):
                kind = ((message.get("MessageAttributes") or {}).get("event_type") or {}).get("StringValue")
                sent = int((message.get("Attributes") or {}).get("SentTimestamp", "0")) / 1000
                if kind in (None, name) and sent >= since - 1:
                    try:
                        return queue, json.loads(message.get("Body", ""))
                    except ValueError:
                        return queue, message.get("Body", "")
        if time.monotonic() >= deadline:
            return None


def real_events_item(ctx: ProbeContext, service: str) -> Item:
    title = "events arrive on real state changes"
    probes = [p for p in valid_probes(ctx, service) if p.case.events and _real_logic_expected(ctx, p)]
    if not probes:
        return Item("real-events", title, NA, [f"no state-changing case of {service} publishes an event"])
    if ctx.sqs is None:
        return Item("real-events", title, FAIL, ["the enver has no event bus the checkpoint can read (no AWS)"])
    lines, failed = [], False
    for probe in probes:
        for event in probe.case.events:
            name = event["message"]
            if probe.exchange is None or not 200 <= probe.exchange.status < 300:
                failed = True
                lines.append(_clip(f"✘ {name} after {probe.request}: the request itself failed"))
                continue
            message = ctx.messages.get(name)
            deadline = time.monotonic() + ctx.event_timeout
            got = _receive(ctx, name, [queue_name(message.queue, probe.run), message.queue], probe.sent_at, deadline)
            if got is None:
                failed = True
                lines.append(
                    _clip(
                        f"✘ {name} after {probe.case.ref}: nothing arrived on {message.queue} "
                        f"within {ctx.event_timeout:g}s"
                    )
                )
                continue
            queue, payload = got
            problems = message.payload_problems(payload)
            if problems:
                failed = True
                lines.append(_clip(f"✘ {name} on {queue}: breaks its AsyncAPI message: {'; '.join(problems[:3])}"))
            elif payload == event["payload"]:
                failed = True
                lines.append(_clip(f"✘ {name} on {queue} after {probe.case.ref}: exactly the mock dataset's payload"))
            else:
                lines.append(
                    _clip(f"✔ {name} on {queue} after {probe.case.ref}: conforms, differs from the mock payload")
                )
    return Item("real-events", title, FAIL if failed else PASS, lines)


def service_contracts(enver: Enver) -> dict[str, ServiceContracts]:
    """The resolved (published) contracts of every service, in the shape `odmd-bdd check` uses."""
    return {
        name: ServiceContracts(name, ep.contract, ep.events, list(ep.artifacts)) for name, ep in enver.services.items()
    }
