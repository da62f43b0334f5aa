"""The platform's share protocol (OdmdShareOut) on any AWS endpoint: publish and read.

Publishing (the local enver publishes itself this way, like the platform publishes a
real enver):
- `publish_value(ssm, build_id, revision, producer, value)` puts the String parameter
  `/odmd-share/<buildId>/<revision>/<producer>`;
- `publish_artifact(s3, ssm, build_id, revision, producer, document, bucket=, account=)`
  puts a schema artifact in a versioned bucket at `<account>/<revision>/<file>.json` and
  writes `s3://<bucket>/<key>@<VersionId>` to `/odmd-share/<buildId>/<revision>/<producer>/schema-url`.
Both take boto3 clients; `write_value` and `write_artifact` do the same through any
`EnverWriter` (odmd_bdd/aws/writers.py: the AWS API, or the backends of an in-process moto).

Reading (the harness resolves every enver this way):
- `read_share(ssm, build_id, revision, producer)` → the value (`ShareNotFound` names the
  full parameter name when it is missing);
- `fetch_artifact(s3, "s3://bucket/key@version")` → `FetchedArtifact` (bytes, address,
  version), a versioned GetObject (`ArtifactNotFound` names the s3 address when the
  bucket, key or version is missing). Hand it to `contracts.parse_artifact(f.data,
  f.address, f.version)`.

Handing over what was read: `ShareSnapshot` holds the values and the artifacts' bytes one
resolution read, as JSON (`to_json`/`from_json`) for another process.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from odmd_bdd.aws.writers import ApiWriter, EnverWriter
from odmd_bdd.errors import ContractError, EnverError

SHARE_ROOT = "/odmd-share"
SCHEMA_URL_CHILD = "schema-url"
_REVISION = re.compile(r"^[bt]\.\.[^/\s]+$")
_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
_S3_URL = re.compile(r"^s3://(?P<bucket>[^/@]+)/(?P<key>.+)@(?P<version>[^@/]+)$")


class ShareNotFound(EnverError):
    """A /odmd-share parameter the enver should have published is missing; `note` says what
    else was tried (a fallback stack)."""

    def __init__(self, name: str, note: str = ""):
        self.name = name
        self.note = note
        super().__init__(f"shared value {name} is not published (SSM parameter not found){'; ' + note if note else ''}")

    @property
    def label(self) -> str:
        """The parameter's name, with what else was tried: one entry of a list of missing values."""
        return f"{self.name} ({self.note})" if self.note else self.name


class ArtifactNotFound(ContractError):
    """A schema artifact named by a schema-url is missing (bucket, key or version)."""

    def __init__(self, url: str, what: str):
        self.url = url
        super().__init__(f"schema artifact {url} cannot be fetched: {what}")


@dataclass(frozen=True)
class FetchedArtifact:
    data: bytes
    address: str  # s3://bucket/key
    version: str  # the S3 VersionId

    @property
    def url(self) -> str:
        return f"{self.address}@{self.version}"


def share_name(build_id: str, revision: str, producer: str, *children: str) -> str:
    """`/odmd-share/<buildId>/<revision>/<producer>[/<child>…]`, each part checked."""
    for label, part in (("buildId", build_id), ("producer", producer), *(("child", c) for c in children)):
        if not isinstance(part, str) or not _NAME.match(part):
            raise EnverError(f"share {label} {part!r} must be a non-empty name without '/' or spaces")
    if not isinstance(revision, str) or not _REVISION.match(revision):
        raise EnverError(f"share revision {revision!r} must be written b..<branch> or t..<tag> (e.g. b..mock)")
    return "/".join((SHARE_ROOT, build_id, revision, producer, *children))


# -- publishing ---------------------------------------------------------------------------------


def publish_value(ssm: Any, build_id: str, revision: str, producer: str, value: str, *children: str) -> str:
    """`write_value` with a boto3 SSM client."""
    return write_value(ApiWriter.of(ssm=ssm), build_id, revision, producer, value, *children)


def write_value(writer: EnverWriter, build_id: str, revision: str, producer: str, value: str, *children: str) -> str:
    """Put (overwrite) the String parameter of a shared value; return its name."""
    name = share_name(build_id, revision, producer, *children)
    writer.put_parameter(name, value)
    return name


def publish_artifact(s3: Any, ssm: Any, *args: Any, **kwargs: Any) -> str:
    """`write_artifact` with boto3 S3 and SSM clients."""
    return write_artifact(ApiWriter.of(ssm=ssm, s3=s3), *args, **kwargs)


def write_artifact(
    writer: EnverWriter,
    build_id: str,
    revision: str,
    producer: str,
    document: Any,
    *,
    bucket: str,
    account: str,
    file_name: str | None = None,
    git_sha: str | None = None,
    bucket_ready: bool = False,
) -> str:
    """Put a schema artifact (versioned) and its schema-url share; return `s3://bucket/key@VersionId`.

    `document` is a JSON-ready object or already-encoded bytes/str. `file_name` defaults to
    the producer's name; `git_sha` becomes the object's `gitsha` tag (the platform tags
    artifacts with the producing commit). `bucket_ready`: the caller has already made the bucket
    and turned versioning on (a publisher of many artifacts does it once, not two calls each).
    """
    share_name(build_id, revision, producer)  # check the parts before writing anything
    file_name = file_name or producer
    if not _NAME.match(file_name):
        raise EnverError(f"artifact file name {file_name!r} must be a name without '/' or spaces")
    if isinstance(document, bytes):
        body = document
    elif isinstance(document, str):
        body = document.encode("utf-8")
    else:
        body = json.dumps(document, indent=2).encode("utf-8")
    if not bucket_ready:
        writer.ensure_versioned_bucket(bucket)
    key = f"{account}/{revision}/{file_name}.json"
    version = writer.put_object(bucket, key, body, {"gitsha": git_sha} if git_sha else {})
    if not version or version == "null":
        raise EnverError(f"s3://{bucket}/{key} got no VersionId: versioning is not enabled on bucket {bucket}")
    url = f"s3://{bucket}/{key}@{version}"
    write_value(writer, build_id, revision, producer, url, SCHEMA_URL_CHILD)
    return url


# -- reading ------------------------------------------------------------------------------------


def read_share(ssm: Any, build_id: str, revision: str, producer: str, *children: str) -> str:
    """The value of `/odmd-share/<buildId>/<revision>/<producer>[/<child>…]`."""
    name = share_name(build_id, revision, producer, *children)
    try:
        return ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        raise ShareNotFound(name) from None


GET_PARAMETERS_MAX = 10  # names per ssm:GetParameters call (the API's limit)


def read_shares(ssm: Any, names: list[str]) -> tuple[dict[str, str], set[str]]:
    """Several shared values in ssm:GetParameters calls of up to ten names: (name → value, the
    names that are not published). A ClientError (e.g. a role granted only ssm:GetParameter)
    propagates: callers fall back to reading each name."""
    found: dict[str, str] = {}
    absent: set[str] = set()
    for start in range(0, len(names), GET_PARAMETERS_MAX):
        answer = ssm.get_parameters(Names=names[start : start + GET_PARAMETERS_MAX])
        found |= {p["Name"]: p["Value"] for p in answer.get("Parameters", [])}
        absent |= set(answer.get("InvalidParameters", []))
    return found, absent


def read_schema_url(ssm: Any, build_id: str, revision: str, producer: str) -> str:
    return read_share(ssm, build_id, revision, producer, SCHEMA_URL_CHILD)


def parse_s3_url(url: str) -> tuple[str, str, str]:
    """`s3://bucket/key@version` → (bucket, key, version)."""
    match = _S3_URL.match(url or "")
    if not match:
        raise ContractError(f"{url!r} is not a schema URL of the form s3://<bucket>/<key>@<VersionId>")
    return match["bucket"], match["key"], match["version"]


def fetch_artifact(s3: Any, url: str) -> FetchedArtifact:
    """The exact version of the object `url` names (versioned GetObject)."""
    bucket, key, version = parse_s3_url(url)
    try:
        obj = s3.get_object(Bucket=bucket, Key=key, VersionId=version)
    except s3.exceptions.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        reasons = {
            "NoSuchKey": "no such key",
            "NoSuchVersion": "no such version",
            "NoSuchBucket": "no such bucket",
            "InvalidArgument": "invalid version id",
        }
        if code in reasons or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            raise ArtifactNotFound(url, reasons.get(code, code or "not found")) from None
        raise
    with obj["Body"] as stream:
        data = stream.read()
    return FetchedArtifact(data=data, address=f"s3://{bucket}/{key}", version=obj.get("VersionId") or version)


# -- handing over what was read -------------------------------------------------------------------


@dataclass(frozen=True)
class ShareSnapshot:
    """What one resolution read from an enver's /odmd-share: each value by parameter name and
    each artifact's bytes by schema URL (s3://bucket/key@version).

    The process that brought an embedded enver up, and so published and read it back, hands this
    to the runs that reuse the enver (a warm run, an xdist worker): they resolve from it as they
    would from SSM and S3, without a call or the SSM and S3 clients, whose models are most of a
    warm run's first test. Artifact versions are immutable, so their bytes cannot go stale."""

    values: Mapping[str, str]
    artifacts: Mapping[str, bytes] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "values": dict(self.values),
            "artifacts": {url: base64.b64encode(data).decode("ascii") for url, data in self.artifacts.items()},
        }

    @classmethod
    def from_json(cls, data: Any) -> ShareSnapshot:
        """The snapshot `to_json` wrote; EnverError says what is malformed."""
        try:
            values, artifacts = data["values"], data["artifacts"]
            if not all(isinstance(v, str) for v in (*values, *values.values(), *artifacts)):
                raise TypeError("names, values and URLs must be strings")
            return cls(
                values=dict(values),
                artifacts={url: base64.b64decode(text, validate=True) for url, text in artifacts.items()},
            )
        except (KeyError, TypeError, AttributeError, binascii.Error) as exc:
            raise EnverError(f"malformed share snapshot: {type(exc).__name__}: {exc}") from None
