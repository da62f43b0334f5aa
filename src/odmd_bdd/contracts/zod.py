"""Turn JSON Schema validation errors into Zod-style issues.

Phase 0 services validate with Zod, so a 400 answer carries
`{"name": "ZodError", "issues": [{"code", "path", "message", ...}]}`. The embedded enver
speaks the same dialect, and the harness reads it back to name the offending field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError

_JSON_TYPES = {
    "string": "string",
    "integer": "number",
    "number": "number",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
    "null": "null",
}


def received_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _expected_type(schema: Any) -> str:
    if isinstance(schema, dict) and isinstance(schema.get("type"), str):
        name: str = schema["type"]
        return _JSON_TYPES.get(name) or name
    if isinstance(schema, dict) and "enum" in schema:
        return " | ".join(repr(v) for v in schema["enum"])
    return "unknown"


def _issue(err: ValidationError) -> list[dict[str, Any]]:
    path = list(err.absolute_path)
    v, val, inst = err.validator, err.validator_value, err.instance
    if v == "required":
        props = (err.schema or {}).get("properties", {})
        missing = [p for p in val if isinstance(inst, dict) and p not in inst]
        return [
            {
                "code": "invalid_type",
                "expected": _expected_type(props.get(p)),
                "received": "undefined",
                "path": path + [p],
                "message": "Required",
            }
            for p in missing
        ]
    if v == "type":
        expected = _JSON_TYPES.get(val, str(val)) if isinstance(val, str) else " | ".join(val)
        received = received_type(inst)
        return [
            {
                "code": "invalid_type",
                "expected": expected,
                "received": received,
                "path": path,
                "message": f"Expected {expected}, received {received}",
            }
        ]
    if v == "additionalProperties":
        known = set((err.schema or {}).get("properties", {}))
        keys = [k for k in inst if k not in known] if isinstance(inst, dict) else []
        return [
            {
                "code": "unrecognized_keys",
                "keys": keys,
                "path": path,
                "message": "Unrecognized key(s) in object: " + ", ".join(f"'{k}'" for k in keys),
            }
        ]
    if v in ("enum", "const"):
        options = list(val) if v == "enum" else [val]
        return [
            {
                "code": "invalid_enum_value",
                "options": options,
                "received": inst,
                "path": path,
                "message": "Invalid enum value. Expected "
                + " | ".join(repr(o) for o in options)
                + f", received {inst!r}",
            }
        ]
    if v in ("minLength", "minItems", "minimum"):
        kind = {"minLength": "string", "minItems": "array", "minimum": "number"}[v]
        return [
            {
                "code": "too_small",
                "minimum": val,
                "type": kind,
                "inclusive": True,
                "path": path,
                "message": f"{kind.capitalize()} must contain at least {val} character(s)"
                if kind == "string"
                else f"{kind.capitalize()} must be greater than or equal to {val}",
            }
        ]
    if v in ("maxLength", "maxItems", "maximum"):
        kind = {"maxLength": "string", "maxItems": "array", "maximum": "number"}[v]
        return [
            {
                "code": "too_big",
                "maximum": val,
                "type": kind,
                "inclusive": True,
                "path": path,
                "message": f"{kind.capitalize()} must contain at most {val} character(s)"
                if kind == "string"
                else f"{kind.capitalize()} must be less than or equal to {val}",
            }
        ]
    if v in ("pattern", "format"):
        validation = "regex" if v == "pattern" else val
        return [{"code": "invalid_string", "validation": validation, "path": path, "message": f"Invalid {validation}"}]
    if v in ("anyOf", "oneOf"):
        discriminated = _discriminated(err, path)
        if discriminated is not None:
            return discriminated
        return [{"code": "invalid_union", "path": path, "message": "Invalid input"}]
    return [{"code": "custom", "path": path, "message": err.message}]


def _discriminated(err: ValidationError, path: list[Any]) -> list[dict[str, Any]] | None:
    """A union with an OpenAPI `discriminator` reads as Zod's discriminatedUnion: a discriminator
    value outside the mapping is `invalid_union_discriminator` at that property; a known one
    reports the issues of its own branch only."""
    schema = err.schema if isinstance(err.schema, dict) else {}
    disc = schema.get("discriminator")
    if not isinstance(disc, dict) or not isinstance(disc.get("propertyName"), str):
        return None
    prop = disc["propertyName"]
    branches = list(err.validator_value or [])
    mapping = {str(k): str(v) for k, v in (disc.get("mapping") or {}).items()}
    names: dict[str, int] = {}
    for index, branch in enumerate(branches):
        ref = branch.get("$ref") if isinstance(branch, dict) else None
        if not isinstance(ref, str):
            continue
        for value, target in mapping.items():
            if target == ref or target == ref.rsplit("/", 1)[-1]:
                names[value] = index
        if not mapping:
            names[ref.rsplit("/", 1)[-1]] = index
    inst = err.instance
    chosen = inst.get(prop) if isinstance(inst, dict) else None
    if not isinstance(chosen, str) or chosen not in names:  # a non-string value (an object) is not a name
        options = list(names)
        return [
            {
                "code": "invalid_union_discriminator",
                "options": options,
                "path": [*path, prop],
                "message": "Invalid discriminator value. Expected " + " | ".join(repr(o) for o in options),
            }
        ]
    branch_errors = [
        e for e in err.context or [] if e.relative_schema_path and e.relative_schema_path[0] == names[chosen]
    ]
    issues = [issue for e in branch_errors for issue in _issue(e)]
    return issues or None


def zod_issues(errors: Iterable[ValidationError]) -> list[dict[str, Any]]:
    """Zod-style issues for `errors`, in a stable order (by path, then code)."""
    issues: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for err in errors:
        for issue in _issue(err):
            key = (issue["code"], repr(issue["path"]))
            if key not in seen:  # `required` reports every missing key once per error
                seen.add(key)
                issues.append(issue)
    issues.sort(key=lambda i: ([str(p) for p in i["path"]], i["code"]))
    return issues
