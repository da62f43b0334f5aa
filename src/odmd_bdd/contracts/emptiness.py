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
        parts = schema.get("allOf") if isinstance(schema.get("allOf"), list) else []
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
            props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
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
