"""GUI text checks: what the user sees of an answer renders what the service answered.

The rendering rule is docs/WEB_CLIENT_CONVENTION.md, "What the page shows". The GUI actor
reads every answer element's data-json and visible text in one round trip; data-json is
compared with the wire first (a wrong data-json is its own difference), then these checks
compare the visible text of the elements whose data-json is right with the wire value:

    string           the string itself           number    JSON notation (1 == 1.0)
    true/false/null  true / false / null         array     JSON text (any spacing)
    object           JSON text, or a nested element per key (then not checked itself)
    credential       any of the above, or a mask: ••• / *** (a note in parentheses may follow)
    status           starts with the status code  issue     contains the issue's message

Texts are compared collapsed (every whitespace run one space, trimmed); None is an element
that is not rendered (it shows nothing).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from odmd_bdd.checks.problems import Problem, check

MASK_TEXT = re.compile(r"[•*]{3,}(?: \(.*\))?")  # a credential field's mask: ••••••, ****, •••••• (hidden)
NULL_TEXT = "null"
STATUS = "$status"  # the key of the status text in `previous`
_BROKEN = frozenset({"undefined", "null", "NaN", "[object Object]", ""})  # texts safe to print for a credential


def visible(text: str | None) -> str | None:
    """The visible text as the rule compares it: whitespace runs collapsed, trimmed."""
    return None if text is None else " ".join(text.split())


def _collapsed(value: Any) -> Any:
    """`value` with the whitespace of every string collapsed (JSON text is compared collapsed)."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, list):
        return [_collapsed(v) for v in value]
    if isinstance(value, dict):
        return {k: _collapsed(v) for k, v in value.items()}
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def renders(text: str | None, value: Any, *, credential: bool = False) -> bool:
    """Does the visible `text` render the wire `value` (the rule of the convention)?"""
    if text is None:
        return False
    text = visible(text) or ""
    if credential and value is not None and value != "" and MASK_TEXT.fullmatch(text):
        return True
    if isinstance(value, str):
        return text == visible(value)
    if value is None:
        return text == NULL_TEXT
    if isinstance(value, bool):
        return text == json.dumps(value)
    try:
        parsed = json.loads(text)
    except ValueError:
        return False
    if _is_number(value):
        return _is_number(parsed) and parsed == value
    return isinstance(parsed, type(value)) and _collapsed(parsed) == _collapsed(value)


def _said(text: str | None, credential: bool = False) -> str:
    """The shown text, for a message (a credential's text only when it cannot be its value)."""
    if text is None:
        return "nothing (the element is not rendered)"
    text = visible(text) or ""
    if credential and text not in _BROKEN and not MASK_TEXT.fullmatch(text):
        return f"{len(text)} characters (not printed: a credential field)"
    quoted = json.dumps(text if len(text) <= 120 else text[:117] + "...", ensure_ascii=False)
    return f"{quoted} (no text)" if text == "" else quoted


def _answered(value: Any, credential: bool = False) -> str:
    if credential and value is not None and value != "":
        return "a credential (not printed)"
    shown = json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= 200 else shown[:197] + "..."


def _problem(code: str, where: str, text: str | None, wire: str, previous: str | None, credential: bool) -> Problem:
    stale = " (the text it showed for the previous answer)" if previous is not None and text == previous else ""
    return Problem(code, where, f"the page shows {_said(text, credential)}, the service answered {wire}{stale}")


@check("gui_text.field")
def field(
    path: str,
    text: str | None,
    value: Any,
    *,
    nested: Collection[str] = (),
    credential: bool = False,
    previous: str | None = None,
) -> list[Problem]:
    """The element of answer field `path` shows `text` for the wire `value`. `nested`: the
    shown field paths under `path` (an object shown as nested elements); `previous`: the text
    the element showed for the previous answer (to say a stale text is one)."""
    if isinstance(value, dict) and value and nested:
        missing = [key for key in value if f"{path}.{key}" not in nested]
        if not missing:
            return []  # each nested element is checked on its own
        return [
            Problem(
                "gui_text.field.nested",
                path,
                "the page shows the object as nested elements but has none for "
                + ", ".join(f"{path}.{key}" for key in missing),
            )
        ]
    if renders(text, value, credential=credential):
        return []
    return [_problem("gui_text.field", path, visible(text), _answered(value, credential), previous, credential)]


@check("gui_text.status")
def status(text: str | None, code: int, *, previous: str | None = None) -> list[Problem]:
    """The status element shows `text` for the wire status `code`: it must start with the code."""
    shown = visible(text)
    if shown is not None and (shown.split(" ", 1)[0] == str(code)):
        return []
    return [_problem("gui_text.status", "status", shown, str(code), visible(previous), False)]


@check("gui_text.issue")
def issue(index: int, text: str | None, wire: Any) -> list[Problem]:
    """The `index`th issue item shows `text` for the wire issue: it must contain its message."""
    said = wire.get("message") if isinstance(wire, dict) else None
    if not isinstance(said, str) or not said.strip():
        said = wire.get("code") if isinstance(wire, dict) else None
    shown = visible(text)
    if shown is None or shown == "" or (isinstance(said, str) and (visible(said) or "") not in shown):
        where = f"issues[{index}]"
        wanted = json.dumps(said, ensure_ascii=False) if isinstance(said, str) else "an issue"
        return [Problem("gui_text.issue", where, f"the page shows {_said(shown)}, the service answered {wanted}")]
    return []


@check("gui_text.answer")
def answer(
    status_text: str | None,
    code: int | None,
    fields: Mapping[str, tuple[str | None, Any]],
    issues: Sequence[tuple[str | None, Any]] = (),
    *,
    shown: Collection[str] = (),
    credential: Callable[[str], bool] = lambda path: False,
    previous: Mapping[str, str | None] | None = None,
) -> list[Problem]:
    """Every visible text of one answer against the wire.

    `code`: the wire status (None: not compared); `fields`: path -> (visible text, wire value)
    for every shown field whose data-json is the wire value; `issues`: (visible text, wire
    issue) per issue item; `shown`: every shown field path (nested elements included);
    `credential(path)`: may the field be masked; `previous`: the texts of the previous answer
    of the operation, by path (STATUS: its status).
    """
    before = previous or {}
    out: list[Problem] = []
    if code is not None:
        out += status(status_text, code, previous=before.get(STATUS))
    for path, (text, value) in sorted(fields.items()):
        nested = {p for p in shown if p.startswith(path + ".") and "." not in p[len(path) + 1 :]}
        out += field(path, text, value, nested=nested, credential=credential(path), previous=visible(before.get(path)))
    for index, (text, wire) in enumerate(issues):
        out += issue(index, text, wire)
    return out
