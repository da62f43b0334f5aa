"""Keep credentials out of reports and logs.

Redacts: sensitive headers (Authorization keeps its scheme), JSON fields whose names say
they hold a credential, `Bearer …` in free text, and every known secret value (the
dataset's token constants) wherever it appears.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***redacted***"
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-amz-security-token",
        "x-auth-token",
    }
)
SENSITIVE_KEY = re.compile(
    r"token|secret|password|passwd|authorization|api[_-]?key|credential|private[_-]?key", re.IGNORECASE
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()):
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def text(self, value: str) -> str:
        value = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", value)
        for secret in self._secrets:
            value = value.replace(secret, MASK)
        return value

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        out = {}
        for name, value in headers.items():
            if name.lower() in SENSITIVE_HEADERS:
                scheme = value.split(" ", 1)[0] if " " in value else ""
                out[name] = f"{scheme} {MASK}".strip()
            else:
                out[name] = self.text(value)
        return out

    def json(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {
                k: (MASK if SENSITIVE_KEY.search(str(k)) and v not in (None, "") else self.json(v))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value
