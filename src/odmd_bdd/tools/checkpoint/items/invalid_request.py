"""0B `invalid-request-400`: per operation with a request body, an invalid request built from the
contract (a required field dropped, else a field of the wrong type) must get 400 with Zod-style
issues naming the broken field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from odmd_bdd.checks import contract as contract_checks
from odmd_bdd.checks.problems import Problem
from odmd_bdd.contracts import zod_issues
from odmd_bdd.errors import TransportError
from odmd_bdd.tools.checkpoint.context import ProbeContext, route

ID, TITLE = "invalid-request-400", "invalid request → 400 with Zod-style issues"


@dataclass
class InvalidProbe:
    operation: str
    request: str | None  # what was sent (None: no invalid body could be built)
    status: int | None = None
    issues: list[dict[str, Any]] = field(default_factory=list)  # the answer's issues, when Zod-shaped
    problems: list[Problem] = field(default_factory=list)  # where = the request


@dataclass
class InvalidRequests:
    service: str
    probes: list[InvalidProbe] = field(default_factory=list)

    @property
    def sent(self) -> list[InvalidProbe]:
        return [p for p in self.probes if p.request is not None]


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


def _zod_shaped(issues: Any) -> list[dict[str, Any]] | None:
    """The issues when they are a non-empty list of {code, path, message}, else None."""
    if not isinstance(issues, list) or not issues:
        return None
    for i in issues:
        if not (
            isinstance(i, dict)
            and isinstance(i.get("code"), str)
            and isinstance(i.get("path"), list)
            and isinstance(i.get("message"), str)
        ):
            return None
    return issues


def issues_text(issues: list[dict[str, Any]]) -> str:
    return ", ".join(f"{i.get('code')} at {'.'.join(str(p) for p in i.get('path', [])) or '$'}" for i in issues[:5])


def check(ctx: ProbeContext, service: str) -> InvalidRequests:
    endpoint = ctx.enver.services[service]
    contract = endpoint.contract
    doc = contract.artifact.document
    found = InvalidRequests(service)
    for op in sorted(contract.operations.values(), key=lambda o: o.operation_id):
        if op.request_validator is None:
            continue
        case = ctx.valid_case(service, op.operation_id)
        base = case.request.get("body") if case is not None else {}
        base = base if isinstance(base, dict) else {}
        spec = (doc.get("paths") or {}).get(op.path, {}).get(op.method.lower(), {})
        schema = _deref(
            doc, ((((spec.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get("schema"))
        )
        required = [f for f in schema.get("required", []) if f in base] or list(schema.get("required", []))
        body: Any
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
            found.probes.append(InvalidProbe(op.operation_id, None))
            continue
        path = case.request.get("path") if case is not None else {}
        query = case.request.get("query") if case is not None else {}
        probe = InvalidProbe(op.operation_id, f"{route(op, path, query)} {how}")
        found.probes.append(probe)
        where = probe.request or ""
        try:
            ex = ctx.transport.send(
                endpoint.base_url,
                op,
                body=body,
                path_params=path,
                query=query,
                headers=ctx.headers(op, case, ctx.new_run()),
            )
        except TransportError as exc:
            probe.problems.append(Problem(f"{ID}.no-answer", where, f"no answer: {exc}"))
            continue
        probe.status = ex.status
        want_path = [str(p) for p in expected[0]["path"]]
        issues = _zod_shaped(ex.response_body.get("issues") if isinstance(ex.response_body, dict) else None)
        probe.issues = issues or []
        if ex.status != 400:
            probe.problems.append(
                Problem(f"{ID}.status", where, f"{ex.status} (expected 400): {ctx.json(ex.response_body)}")
            )
        elif issues is None:
            probe.problems.append(
                Problem(
                    f"{ID}.issues",
                    where,
                    f"400 without Zod-style issues [{{code, path, message}}]: {ctx.json(ex.response_body)}",
                )
            )
        elif not any([str(p) for p in i["path"]] == want_path for i in issues):
            probe.problems.append(
                Problem(
                    f"{ID}.field", where, f"400, but no issue at {'.'.join(want_path) or '$'}: {issues_text(issues)}"
                )
            )
        else:
            broken = contract_checks.response(op, ex.status, ex.response_body, ex.content_type)
            if broken:
                text = "; ".join(str(p) for p in broken[:3])
                probe.problems.append(Problem(f"{ID}.contract", where, f"400 breaking its contract: {text}"))
    return found
