"""Scrub secrets out of archives the harness keeps, Playwright traces first of all.

Playwright records what `fill()` typed, what the page read from storage, DOM snapshots and
the network log in `trace.zip`, and it will not mask any of it (microsoft/playwright#19992,
#22353). So every archive the harness writes under reports/ is rewritten member by member:
text members through the run's `Redactor` (secret values, `Bearer …`), header entries of the
network log (`{"name": "Cookie", "value": …}`) masked by name, binary members searched for
the secret values byte for byte.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from odmd_bdd.redaction import MASK, SENSITIVE_HEADERS, Redactor

_HEADER_ENTRY = re.compile(
    r'("name"\s*:\s*"(?:' + "|".join(re.escape(h) for h in sorted(SENSITIVE_HEADERS)) + r')"\s*,\s*"value"\s*:\s*")'
    r'((?:[^"\\]|\\.)*)(")',
    re.IGNORECASE,
)


def scrub_text(text: str, redactor: Redactor) -> str:
    text = _HEADER_ENTRY.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    return redactor.text(text)


def scrub_bytes(data: bytes, redactor: Redactor) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        for secret in redactor.secrets:
            data = data.replace(secret.encode("utf-8"), MASK.encode("ascii"))
        return data
    return scrub_text(text, redactor).encode("utf-8")


def scrub_zip(path: Path, redactor: Redactor) -> None:
    """Rewrite the archive at `path` with every member scrubbed (atomically: a reader never sees
    half an archive)."""
    part = path.with_name(path.name + ".part")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data if info.is_dir() else scrub_bytes(data, redactor))
    os.replace(part, path)
