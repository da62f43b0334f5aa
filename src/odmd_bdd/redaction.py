"""Keep credentials out of reports and logs.

Redacts: sensitive headers (Authorization keeps its scheme; any header named like a credential,
as an apiKey scheme's `api_key`), credentials in a URL's query, JSON fields whose names say
they hold a credential, `Bearer …` in free text, and every known secret value (the
dataset's secret constants, and every credential field's value seen during the run)
wherever it appears.
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
# a credential in a URL's query (an apiKey scheme `in: query`): ?api_key=..., &access_token=...
_QUERY_SECRET = re.compile(
    r"(?i)([?&][^=&#\s]*(?:token|secret|password|passwd|api[_-]?key|credential)[^=&#\s]*=)[^&#\s]+"
)


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()):
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The known secret values, longest first."""
        return tuple(self._secrets)

    def text(self, value: str) -> str:
        value = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", value)
        value = _QUERY_SECRET.sub(lambda m: m.group(1) + MASK, value)
        for secret in self._secrets:
            value = value.replace(secret, MASK)
        return value

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        out = {}
        for name, value in headers.items():
            if name.lower() in SENSITIVE_HEADERS or SENSITIVE_KEY.search(name):
                scheme = value.split(" ", 1)[0] if " " in value else ""
                self.learn(value.split(" ", 1)[1] if scheme else value)
                out[name] = f"{scheme} {MASK}".strip()
            else:
                out[name] = self.text(value)
        return out

    def learn(self, value: str) -> None:
        """Treat `value` as a secret from now on (a token an enver issued during the run)."""
        if value and len(value) >= 4 and value not in self._secrets:
            self._secrets = sorted({*self._secrets, value}, key=len, reverse=True)

    def json(self, value: Any) -> Any:
        """`value` with credential fields masked; their string values are learnt, so the same token
        is masked wherever it shows up later (free text, traces)."""
        if isinstance(value, Mapping):
            out = {}
            for k, v in value.items():
                if SENSITIVE_KEY.search(str(k)) and v not in (None, ""):
                    if isinstance(v, str):
                        self.learn(v)
                    out[k] = MASK
                else:
                    out[k] = self.json(v)
            return out
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value
