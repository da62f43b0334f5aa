"""Centralized constants: `${NAME}` substitution with the master mock dataset's values.

Feature files and datasets never repeat a literal ID or token; they name a constant. A
whole-string reference (`"${SESSION_TTL_SECONDS}"`) keeps the constant's type; a reference
inside a longer string is interpolated as text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from odmd_bdd.errors import ConstantError

NAME_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
WHOLE_RE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_LITERALS = {"true": True, "false": False, "null": None}
_SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "CREDENTIAL", "PRIVATE")


def names_in(text: str) -> list[str]:
    """The constant names referred to in `text`, in order of appearance."""
    return NAME_RE.findall(text)


def is_secret_name(name: str) -> bool:
    return any(word in name.upper() for word in _SECRET_WORDS)


@dataclass(frozen=True)
class Expected:
    """A value a step compares against, remembering the constant it came from."""

    value: Any
    name: str | None = None
    marked_secret: bool = False  # the dataset lists the constant under `secrets:`

    @property
    def secret(self) -> bool:
        return self.marked_secret or (self.name is not None and is_secret_name(self.name))

    def describe(self) -> str:
        if self.name is None:
            return repr(self.value)
        if self.secret:
            return f"${{{self.name}}} (value redacted)"
        return f"${{{self.name}}} = {self.value!r}"


class Constants(Mapping[str, Any]):
    """The dataset's constants, resolved in definition order."""

    def __init__(self, raw: Mapping[str, Any], source: str = "the master mock dataset", secrets: Iterable[str] = ()):
        """`secrets`: names of constants that hold credentials beyond those the name rule finds
        (TOKEN, SECRET, PASSWORD, CREDENTIAL, PRIVATE): keys, proofs, signatures."""
        self.source = source
        self._values: dict[str, Any] = {}
        for name, value in raw.items():
            self._values[name] = self._substitute(value, where=f"{source}: constants.{name}")
        self._marked = set(secrets)
        for name in sorted(self._marked - set(self._values)):
            raise self.unknown_error(name, f"{source}: secrets")

    def __repr__(self) -> str:  # never the values: some are credentials
        return f"<Constants: {len(self._values)} names>"

    # Mapping protocol
    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def is_secret(self, name: str) -> bool:
        """Does constant `name` hold a credential (by its name, or marked under `secrets:`)?"""
        return name in self._marked or is_secret_name(name)

    def secret_values(self) -> set[str]:
        """Values of the secret constants (for redaction)."""
        return {str(v) for k, v in self._values.items() if self.is_secret(k) and v not in (None, "")}

    def unknown_error(self, name: str, where: str) -> ConstantError:
        close = difflib.get_close_matches(name, list(self._values), n=1)
        hint = f" — did you mean ${{{close[0]}}}?" if close else ""
        return ConstantError(f"{where}: unknown constant ${{{name}}}{hint} (constants are defined in {self.source})")

    def check(self, text: str, where: str) -> None:
        """Raise ConstantError for the first unknown name in `text`."""
        for name in names_in(text):
            if name not in self._values:
                raise self.unknown_error(name, where)

    def substitute(self, value: Any, where: str = "value") -> Any:
        """Replace every ${NAME} in a string, list or mapping (recursively)."""
        return self._substitute(value, where)

    def arg(self, text: str, where: str = "step argument") -> Expected:
        """Resolve a step argument. `${NAME}` alone keeps its name for messages and redaction;
        bare `true`, `false` and `null` are JSON literals; quotes make anything a string."""
        text = text.strip()
        if text in _LITERALS:
            return Expected(_LITERALS[text])
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            text = text[1:-1]
        whole = WHOLE_RE.match(text)
        if whole:
            name = whole.group(1)
            return Expected(self._lookup(name, where), name, name in self._marked)
        return Expected(self._substitute(text, where))

    def _lookup(self, name: str, where: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise self.unknown_error(name, where) from None

    def _substitute(self, value: Any, where: str) -> Any:
        if isinstance(value, str):
            whole = WHOLE_RE.match(value)
            if whole:
                return self._lookup(whole.group(1), where)
            return NAME_RE.sub(lambda m: str(self._lookup(m.group(1), where)), value)
        if isinstance(value, list):
            return [self._substitute(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, Mapping):
            return {k: self._substitute(v, f"{where}.{k}") for k, v in value.items()}
        return value
