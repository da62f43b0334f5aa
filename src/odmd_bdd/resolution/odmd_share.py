"""Resolving an enver the platform's way: /odmd-share in SSM, schema artifacts in versioned S3.

One code path for every enver: the embedded local enver publishes itself exactly as the
platform publishes a deployed one, and the harness reads both through `ShareResolver`.
CloudFormation stack outputs are the fallback for a missing parameter, when the
constellation names the producing stack.

A resolver records what it read (`snapshot()`); a resolver made `from_snapshot` reads only
that, with no AWS call: how the runs reusing an embedded enver resolve it (aws/share.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from odmd_bdd.aws.share import (
    SCHEMA_URL_CHILD,
    ArtifactNotFound,
    FetchedArtifact,
    ShareNotFound,
    ShareSnapshot,
    fetch_artifact,
    parse_s3_url,
    read_share,
    read_shares,
    share_name,
)
from odmd_bdd.contracts import Artifact, ServiceContracts, load_service_contracts
from odmd_bdd.contracts.artifacts import parse_artifact
from odmd_bdd.data.constellation import ServiceSpec, SharedValue


class ShareResolver:
    """Reads one revision's shared values and artifacts; every artifact is fetched once per run."""

    def __init__(self, ssm: Any, s3: Any, revision: str, cloudformation: Callable[[], Any] | None = None):
        """`cloudformation` makes the CloudFormation client on first use: only the stack fallback
        needs one, and making a client costs 0.1-0.5 s of every run's start-up."""
        self.ssm = ssm
        self.s3 = s3
        self._cloudformation = cloudformation
        self._cfn: Any = None
        self.revision = revision
        self._artifacts: dict[str, Artifact] = {}
        self._lock = threading.Lock()  # services are read concurrently (resolve_enver)
        self._fetching: dict[str, threading.Lock] = {}
        self._read: dict[str, str] = {}  # values read, by parameter name
        self._absent: set[str] = set()  # preloaded names that are not published
        self._fetched: dict[str, bytes] = {}  # each artifact's bytes, by schema URL
        self._snapshot: ShareSnapshot | None = None
        self._where = ""

    @classmethod
    def from_snapshot(cls, snapshot: ShareSnapshot, revision: str, where: str) -> ShareResolver:
        """A resolver of what another resolution read (`snapshot`): a name it did not read is
        unpublished, an artifact it did not fetch is missing. `where` names it in messages."""
        resolver = cls(None, None, revision)
        resolver._snapshot = snapshot
        resolver._read = dict(snapshot.values)
        resolver._where = where
        return resolver

    @property
    def offline(self) -> bool:
        """It reads a snapshot: no read is a round trip."""
        return self._snapshot is not None

    def snapshot(self) -> ShareSnapshot:
        """Everything read so far, for another process to resolve the same enver from."""
        with self._lock:
            return ShareSnapshot(dict(self._read), dict(self._fetched))

    def preload(self, services: list[ServiceSpec], shared: list[SharedValue]) -> None:
        """Read the services' base URLs and schema URLs and the `shared` values in a few
        ssm:GetParameters calls instead of one GetParameter each; later reads take them from
        here. Without permission for GetParameters, each is read on its own as before."""
        if self.offline:
            return  # the snapshot is what was preloaded
        names = [share_name(s.build_id, self.revision, s.base_url_producer) for s in services]
        names += [share_name(s.build_id, self.revision, s.base_url_producer, SCHEMA_URL_CHILD) for s in services]
        names += [share_name(v.build_id, self.revision, v.producer) for v in shared]
        try:
            self._read, self._absent = read_shares(self.ssm, list(dict.fromkeys(names)))
        except self.ssm.exceptions.ClientError:
            self._read, self._absent = {}, set()

    def _value(self, build_id: str, producer: str, *children: str) -> str:
        name = share_name(build_id, self.revision, producer, *children)
        if name in self._read:
            return self._read[name]
        if name in self._absent or self.offline:
            raise ShareNotFound(name)
        value = read_share(self.ssm, build_id, self.revision, producer, *children)
        with self._lock:
            self._read[name] = value
        return value

    @property
    def cfn(self) -> Any:
        if self._cfn is None and self._cloudformation is not None:
            self._cfn = self._cloudformation()
        return self._cfn

    def where(self) -> str:
        """The SSM endpoint and region this resolver reads (or the snapshot's origin), for messages."""
        if self._where:
            return self._where
        meta = getattr(self.ssm, "meta", None)
        return f"SSM at {getattr(meta, 'endpoint_url', '?')}, region {getattr(meta, 'region_name', '?')}"

    def value(self, build_id: str, producer: str, stack: str | None = None) -> tuple[str, str]:
        """(value, where it came from) of `/odmd-share/<build_id>/<revision>/<producer>`."""
        try:
            return self._value(build_id, producer), "share"
        except ShareNotFound as missing:
            if stack and self._cloudformation is not None:
                return self._stack_output(stack, producer, missing), f"stack {stack}"
            raise

    def shared(self, shared: SharedValue) -> tuple[str, str]:
        return self.value(shared.build_id, shared.producer, shared.stack)

    def base_url(self, spec: ServiceSpec) -> tuple[str, str]:
        return self.value(spec.build_id, spec.base_url_producer, spec.stack)

    def artifact(self, url: str) -> Artifact:
        """The artifact at `s3://bucket/key@version` (cached: versions are immutable)."""
        with self._lock:
            if url in self._artifacts:
                return self._artifacts[url]
            fetching = self._fetching.setdefault(url, threading.Lock())
        with fetching:  # one fetch of an artifact several services share
            if url not in self._artifacts:
                fetched = self._fetch(url)
                self._artifacts[url] = parse_artifact(fetched.data, fetched.address, fetched.version)
                with self._lock:
                    self._fetched[url] = fetched.data
        return self._artifacts[url]

    def _fetch(self, url: str) -> FetchedArtifact:
        if self._snapshot is None:
            return fetch_artifact(self.s3, url)
        bucket, key, version = parse_s3_url(url)
        if url not in self._snapshot.artifacts:
            raise ArtifactNotFound(url, f"not in {self._where}")
        return FetchedArtifact(self._snapshot.artifacts[url], f"s3://{bucket}/{key}", version)

    def contracts(self, spec: ServiceSpec) -> ServiceContracts:
        root = self.artifact(self._value(spec.build_id, spec.base_url_producer, SCHEMA_URL_CHILD))
        return load_service_contracts(spec.name, root, self.artifact)

    def _stack_output(self, stack: str, producer: str, missing: ShareNotFound) -> str:
        try:
            stacks = self.cfn.describe_stacks(StackName=stack)["Stacks"]
        except self.cfn.exceptions.ClientError as exc:
            raise ShareNotFound(
                missing.name,
                f"the fallback stack {stack!r} cannot be read: {exc.response.get('Error', {}).get('Message', exc)}",
            ) from None
        for output in (stacks[0].get("Outputs") or []) if stacks else []:
            if output.get("OutputKey") == producer:
                return output["OutputValue"]
        raise ShareNotFound(missing.name, f"nor is it an output of stack {stack!r}")
