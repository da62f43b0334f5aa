"""Loading schema artifacts and telling their kind from the platform's `odmdKind`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odmd_bdd.contracts.validation import validate_document
from odmd_bdd.errors import ContractError

KINDS = ("openapi", "asyncapi", "bundle")


@dataclass(frozen=True)
class Artifact:
    """One schema artifact as published: its document, where it came from and which version."""

    kind: str
    document: dict[str, Any]
    address: str  # a file path, or s3://bucket/key for a published artifact
    version: str  # the S3 VersionId, or a content digest for a local file

    @property
    def label(self) -> str:
        return f"{self.address}@{self.version}"


def parse_artifact(text: str | bytes, address: str, version: str | None = None) -> Artifact:
    """Parse an artifact's JSON text; `version` defaults to a digest of the content."""
    if isinstance(text, str):
        text = text.encode("utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContractError(f"{address}:{exc.lineno}: schema artifact is not valid JSON: {exc.msg}") from None
    if not isinstance(doc, dict):
        raise ContractError(f"{address}: schema artifact must be a JSON object")
    kind = doc.get("odmdKind")
    if kind not in KINDS:
        # Tolerate artifacts that predate the discriminator but say what they are.
        kind = "openapi" if "openapi" in doc else "asyncapi" if "asyncapi" in doc else None
    if kind is None:
        raise ContractError(f"{address}: schema artifact has no odmdKind (expected one of {', '.join(KINDS)})")
    if kind == "openapi" and not str(doc.get("openapi", "")).startswith(("3.1", "3.0")):
        raise ContractError(
            f"{address}: odmdKind openapi needs an OpenAPI 3.1 (or 3.0) document, found openapi={doc.get('openapi')!r}"
        )
    validate_document(kind, text.decode("utf-8"), address)
    return Artifact(
        kind=kind, document=doc, address=address, version=version or "sha256:" + hashlib.sha256(text).hexdigest()[:16]
    )


def load_artifact(path: str | Path) -> Artifact:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContractError(f"schema artifact {path} cannot be read: {exc.strerror}") from None
    return parse_artifact(data, str(path))
