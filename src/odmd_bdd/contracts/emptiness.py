"""Schemas that admit no value at all, proved from the document alone.

Some documents declare a schema no JSON value can satisfy. Each rule below is a static proof,
named by the JSON pointer where it holds; anything the rules cannot prove is taken as satisfiable:

- `allOf` parts whose `type`s have no type in common (`string` and `integer`);
- a `oneOf` whose every branch equals another branch once `$ref`s are followed and annotations
  (title, description, examples, …) dropped: a value valid under one is valid under its twin, so
  never under exactly one;
- a `oneOf`/`anyOf` every branch of which admits nothing; an `allOf` with a part that admits nothing;
- an object (its `type` only `object`, not nullable) with a required property that admits nothing,
  or that leads back through required properties to the schema itself (a finite JSON value has no
  such cycle: the document's recursion never ends).

`reason(...)` returns "<pointer>: <rule>" or None.
"""

from __future__ import annotations

from typing import Any, Protocol

ANNOTATIONS = frozenset(
    {"title", "description", "example", "examples", "deprecated", "externalDocs", "xml", "$comment", "default"}
)


class _Doc(Protocol):
    def follow(self, node: Any, where: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]: ...


def _pointer(where: tuple[str, ...]) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in where)


def _types(schema: dict[str, Any], oas30: bool) -> set[str] | None:
    """The JSON types the schema's own `type` allows (None: any)."""
    t = schema.get("type")
    if t is None:
        return None
    found = set(t) if isinstance(t, list) else {t}
    if oas30 and schema.get("nullable") is True:
        found.add("null")
    if "number" in found:
        found.add("integer")
    return found


class Emptiness:
    def __init__(self, doc: _Doc, oas30: bool, side: str = "request"):
        self.doc = doc
        self.oas30 = oas30
        self.skip = "readOnly" if side == "request" else "writeOnly"
        self._done: dict[tuple[Any, int], tuple[Any, str | None]] = {}

    def _follow(self, node: Any, where: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
        try:
            return self.doc.follow(node, where)
        except Exception:  # an unresolvable $ref is the loader's to report, not a proof here
            return {}, where

    def canonical(self, node: Any, depth: int = 0) -> Any:
        """The schema with its $refs followed and its annotations dropped (to compare branches)."""
        node, _ = self._follow(node, ())
        if depth > 20:
            return node
        if isinstance(node, dict):
            return {k: self.canonical(v, depth + 1) for k, v in node.items() if k not in ANNOTATIONS}
        if isinstance(node, list):
            return [self.canonical(v, depth + 1) for v in node]
        return node

    def reason(self, node: Any, where: tuple[str, ...], stack: tuple[Any, ...] = ()) -> str | None:
        schema, at = self._follow(node, where)
        if not isinstance(schema, dict):
            return None  # `true`, `false` is left alone (it says so itself)
        key = (at, id(schema))  # a schema object of the document, wherever it was reached from
        if key in stack:
            first = stack[0][0]
            return f"{_pointer(first)}: a required property leads back to {_pointer(at)} (a cycle no finite value ends)"
        if key in self._done:
            return self._done[key][1]
        found = self._reason(schema, at, (*stack, key))
        if found is None or not stack:  # a proof found inside a cycle may rest on where it was entered
            self._done[key] = (schema, found)  # the schema kept: its id is not reused
        return found

    def _reason(self, schema: dict[str, Any], at: tuple[str, ...], stack: tuple[Any, ...]) -> str | None:
        parts: list[Any] = schema["allOf"] if isinstance(schema.get("allOf"), list) else []
        common = _types(schema, self.oas30)
        for i, part in enumerate(parts):
            followed, _ = self._follow(part, (*at, "allOf", str(i)))
            if isinstance(followed, dict):
                own = _types(followed, self.oas30)
                if own is not None:
                    common = own if common is None else common & own
                    if not common:
                        return f"{_pointer((*at, 'allOf'))}: the allOf parts' types have none in common"
        for i, part in enumerate(parts):
            why = self.reason(part, (*at, "allOf", str(i)), stack)
            if why is not None:
                return why
        branches = schema.get("oneOf") if isinstance(schema.get("oneOf"), list) else None
        if branches and "discriminator" not in schema:
            shapes = [self.canonical(b) for b in branches]
            if len(shapes) > 1 and all(shapes.count(s) > 1 for s in shapes):
                return f"{_pointer((*at, 'oneOf'))}: every oneOf branch equals another, so no value is valid under exactly one"
        for key in ("oneOf", "anyOf"):
            alts = schema.get(key) if isinstance(schema.get(key), list) else None
            if alts:
                whys = [self.reason(b, (*at, key, str(i)), stack) for i, b in enumerate(alts)]
                if all(whys):
                    return whys[0]
        types = _types(schema, self.oas30)
        if types == {"object"}:
            props: dict[str, Any] = schema["properties"] if isinstance(schema.get("properties"), dict) else {}
            for name in schema.get("required") or []:
                if name not in props:
                    continue
                sub, _ = self._follow(props[name], (*at, "properties", name))
                if isinstance(sub, dict) and sub.get(self.skip) is True:
                    continue
                why = self.reason(props[name], (*at, "properties", name), stack)
                if why is not None:
                    return why
        return None


def _auth_scheme(scheme: Any) -> str | None:
    """The HTTP authentication scheme a security scheme writes into the Authorization header."""
    if scheme.type in ("oauth2", "openIdConnect"):
        return "bearer"
    if scheme.type == "http":
        return str(scheme.scheme or "").lower() or None
    return None


def unsatisfiable_operations(contract: Any) -> dict[str, str]:
    """operationId -> "<pointer>: <rule>" of each operation no request and answer can keep, by
    the document alone: a required request body no value fits; declared responses none of which
    any body fits; every security requirement needing two HTTP authentication schemes at once
    (the Authorization header carries one credential, RFC 9110 11.6.2); a path that is another
    operation's once its '#fragment' is dropped (a fragment is never sent, RFC 3986 3.5)."""
    doc = contract._doc
    raw = contract.artifact.document
    request, response = Emptiness(doc, doc.oas30, "request"), Emptiness(doc, doc.oas30, "response")
    out: dict[str, str] = {}
    first_at: dict[tuple[str, str], str] = {}
    for op in contract.operations.values():
        item, item_at = doc.follow((raw.get("paths") or {}).get(op.path) or {}, ("paths", op.path))
        spec = item.get(op.method.lower()) or {}
        at = (*item_at, op.method.lower())
        bare = op.path.split("#", 1)[0]
        if (op.method, bare) in first_at and "#" in op.path:
            out[op.operation_id] = (
                f"{_pointer(at)}: {op.method} {bare} once the '#fragment' is dropped, the request of "
                f"{first_at[(op.method, bare)]} (a fragment is never sent)"
            )
            continue
        first_at.setdefault((op.method, bare), _pointer(at))
        if op.security and all(len({_auth_scheme(s) for s in req} - {None}) > 1 for req in op.security):
            names = " and ".join(s.name for s in op.security[0] if _auth_scheme(s))
            where = (*at, "security") if spec.get("security") is not None else ("security",)
            out[op.operation_id] = f"{_pointer(where)}: every requirement needs {names} in the one Authorization header"
            continue
        if op.request_required and spec.get("requestBody") is not None and op.request_media is not None:
            body, body_at = doc.follow(spec["requestBody"], (*at, "requestBody"))
            media = (body.get("content") or {}).get(op.request_media) or {}
            if "schema" in media:
                why = request.reason(media["schema"], (*body_at, "content", op.request_media, "schema"))
                if why is not None:
                    out[op.operation_id] = f"request body {why}"
                    continue
        whys = []
        for status, raw_resp in (spec.get("responses") or {}).items():
            resp, resp_at = doc.follow(raw_resp or {}, (*at, "responses", str(status)))
            chosen = op.response_media.get(str(status))
            media = (resp.get("content") or {}).get(chosen) or {}
            if op.responses.get(str(status)) is None or "schema" not in media:
                break  # an answer without a schema to keep: this status can be answered
            why = response.reason(media["schema"], (*resp_at, "content", str(chosen), "schema"))
            if why is None:
                break
            whys.append(why)
        else:
            if whys:
                out[op.operation_id] = f"every response: {whys[0]}"
    return out
