"""Matchers: how a dataset case declares an answer field that legitimately varies.

A case lists them under `response.matchers`, by the field's dotted path in the body:

    response:
      status: 201
      body: {key_id: "${ROOT_KEY_ID}", registered_at: "${MOCK_TIMESTAMP}"}
      matchers: {registered_at: date-time}

The field must still be present and satisfy its matcher; the body's value is what a mock
answers. Names: any, string, non-empty-string, integer, number, boolean, uuid, date-time,
and `regex:<pattern>` (the whole value must match).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any


def _uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _date_time(value: Any) -> bool:
    if not isinstance(value, str) or "T" not in value.upper():
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return True


_NAMED: dict[str, Callable[[Any], bool]] = {
    "any": lambda v: True,
    "string": lambda v: isinstance(v, str),
    "non-empty-string": lambda v: isinstance(v, str) and v != "",
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "uuid": _uuid,
    "date-time": _date_time,
}
NAMES = (*_NAMED, "regex:<pattern>")


def compile_matcher(name: Any) -> Callable[[Any], bool]:
    """The predicate of matcher `name`; ValueError naming the choices for an unknown one."""
    if isinstance(name, str) and name.startswith("regex:"):
        try:
            pattern = re.compile(name[len("regex:") :])
        except re.error as exc:
            raise ValueError(f"matcher {name!r} is not a valid regular expression: {exc}") from None
        return lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None
    if isinstance(name, str) and name in _NAMED:
        return _NAMED[name]
    raise ValueError(f"unknown matcher {name!r} (matchers: {', '.join(NAMES)})")
