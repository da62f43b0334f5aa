"""0A `schema-artifact-published`: the schema-url parameter and the exact S3 version it names
(a bundle's parts too), fetched, with the digest of their content."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from odmd_bdd.aws.share import SCHEMA_URL_CHILD, fetch_artifact, read_share, share_name
from odmd_bdd.checks.problems import Problem
from odmd_bdd.contracts.artifacts import KINDS
from odmd_bdd.errors import OdmdError
from odmd_bdd.tools.checkpoint.context import ProbeContext
from odmd_bdd.tools.checkpoint.model import canonical_json, sha256

ID, TITLE = "schema-artifact-published", "schema artifact published (schema-url resolves to an S3 version)"


@dataclass
class FetchedDoc:
    """One published artifact as fetched: its exact version and the digest of its content."""

    kind: str
    address: str  # s3://bucket/key (or a file path when the enver is not resolved through the share)
    version: str
    document: dict[str, Any]
    size: int
    content_digest: str

    @property
    def url(self) -> str:
        return f"{self.address}@{self.version}"


@dataclass
class SchemaArtifact:
    parameter: str  # the schema-url parameter's name
    url: str | None = None  # what it holds (None: not read)
    docs: list[FetchedDoc] = field(default_factory=list)  # the root first, then its parts (all fetched)
    parts: list[str] = field(default_factory=list)  # the bundle key ("http", "events") of each docs[1:]
    problems: list[Problem] = field(default_factory=list)


def content_digest(document: Any, parts: dict[str, str] | None = None) -> str:
    """sha256 of the document's canonical JSON; a reference to a fetched part (its s3 URL with
    the VersionId, which changes with every publication) counts by the part's content digest."""
    parts = parts or {}

    def norm(value: Any) -> Any:
        if isinstance(value, str) and value in parts:
            return parts[value]
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        return value

    return sha256(canonical_json(norm(document)))


def _fetch(ctx: ProbeContext, url: str) -> FetchedDoc:
    fetched = fetch_artifact(ctx.s3, url)
    try:
        doc = json.loads(fetched.data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OdmdError(f"{fetched.url} is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise OdmdError(f"{fetched.url} is not a JSON object")
    kind = str(doc.get("odmdKind")) if doc.get("odmdKind") in KINDS else "?"
    return FetchedDoc(kind, fetched.address, fetched.version, doc, len(fetched.data), "")


def check(ctx: ProbeContext, service: str) -> SchemaArtifact:
    spec = ctx.constellation.services[service]
    revision = ctx.enver.spec.revision
    found = SchemaArtifact(share_name(spec.build_id, revision, spec.base_url_producer, SCHEMA_URL_CHILD))
    if ctx.ssm is None or ctx.s3 is None:
        found.problems.append(
            Problem(
                f"{ID}.unresolved",
                found.parameter,
                f"the enver is not resolved through /odmd-share, so {found.parameter} was not read",
            )
        )
        return found
    try:
        found.url = read_share(ctx.ssm, spec.build_id, revision, spec.base_url_producer, SCHEMA_URL_CHILD)
        root = _fetch(ctx, found.url)
        digests: dict[str, str] = {}
        parts: list[tuple[str, FetchedDoc]] = []
        if root.kind == "bundle":
            for key in ("http", "events"):
                ref = root.document.get(key)
                if isinstance(ref, str):
                    part = _fetch(ctx, ref)
                    part.content_digest = content_digest(part.document)
                    digests[ref] = part.content_digest
                    parts.append((key, part))
        root.content_digest = content_digest(root.document, digests)
        found.docs = [root] + [p for _, p in parts]
        found.parts = [k for k, _ in parts]
    except OdmdError as exc:  # ShareNotFound, ArtifactNotFound, a malformed s3 URL or document
        found.problems.append(Problem(f"{ID}.unavailable", found.url or found.parameter, str(exc)))
    return found


def resolved_docs(ctx: ProbeContext, service: str) -> list[FetchedDoc]:
    """The artifacts the resolution used, when the share could not be read (explicit URLs)."""
    return [
        FetchedDoc(
            artifact.kind,
            artifact.address,
            artifact.version,
            artifact.document,
            len(canonical_json(artifact.document)),
            content_digest(artifact.document),
        )
        for artifact in ctx.enver.services[service].artifacts
    ]
