"""Dotted paths into JSON values: `a.b[0].c` or `$.a.b[0].c`.

Used by fault plans, by observations (`the answer field profile.email is ...`) and in
messages, so a field is always written the same way.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_MISSING = object()


def parse(path: str) -> list[str | int]:
    path = path.strip().removeprefix("$").removeprefix(".")
    # `links[0]` and `links.0` both index a list.
    return [int(idx) if idx else int(name) if name.isdigit() else name for name, idx in _TOKEN.findall(path)]


def _walk(value: Any, parts: list[str | int], path: str) -> Any:
    for part in parts:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            raise KeyError(path) from None
    return value


def get(value: Any, path: str, default: Any = _MISSING) -> Any:
    try:
        return _walk(value, parse(path), path)
    except KeyError:
        if default is _MISSING:
            raise
        return default


def set_(value: Any, path: str, new: Any) -> None:
    parts = parse(path)
    if not parts:
        raise ValueError("cannot set the root of a JSON value")
    _walk(value, parts[:-1], path)[parts[-1]] = new


def remove(value: Any, path: str) -> None:
    parts = parse(path)
    if not parts:
        raise ValueError("cannot remove the root of a JSON value")
    parent = _walk(value, parts[:-1], path)
    try:
        del parent[parts[-1]]
    except (KeyError, IndexError, TypeError):
        raise KeyError(path) from None
