"""Enver resolution: where each service of the constellation answers, and under which contract.

Order per service: an explicit base URL (the service's env var, e.g. ODMD_IDENTITY_BASE_URL,
or the --base-urls file) wins; otherwise the embedded local enver serves it when the enver
is `embedded`. Platform resolution through /odmd-share (SSM + S3) plugs in here too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from .constellation import Constellation, EnverSpec
from .contracts import OpenApiContract
from .errors import EnverError
from .localenv import LocalEnver


@dataclass
class ServiceEndpoint:
    name: str
    base_url: str
    contract: OpenApiContract
    source: str  # how the base URL was found: "embedded", "env ODMD_…", "file …"


@dataclass(repr=False)
class Enver:
    spec: EnverSpec
    services: dict[str, ServiceEndpoint]
    local: LocalEnver | None = None
    aws: Any = None  # the EmbeddedAws of a local enver (SQS for events; later SSM, S3, Step Functions)
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name

    def __repr__(self) -> str:
        return f"<Enver {self.name} ({self.spec.revision})>"

    def service(self, name: str) -> ServiceEndpoint:
        try:
            return self.services[name]
        except KeyError:
            raise EnverError(f"enver {self.name!r} has no service {name!r} (services: {', '.join(self.services)})") from None

    def describe(self) -> dict[str, str]:
        """What the report records about this enver: base URLs and artifact versions."""
        out = {"enver": self.name, "revision": self.spec.revision}
        for svc in self.services.values():
            out[f"{svc.name}.base_url"] = svc.base_url
            out[f"{svc.name}.base_url_source"] = svc.source
            out[f"{svc.name}.contract"] = svc.contract.artifact.label
        return out

    def sqs(self) -> Any:
        """A boto3 SQS client for this enver's events, or None when it has no event bus."""
        return self.aws.client("sqs") if self.aws is not None else None

    def close(self) -> None:
        if self.local is not None:
            self.local.stop()
            self.local = None
        if self.aws is not None:
            self.aws.stop()
            self.aws = None


def read_base_url_file(path: str | Path) -> dict[str, str]:
    """A YAML/JSON file `{base_urls: {service: url}}` (or just the mapping)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise EnverError(f"cannot read base URL file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise EnverError(f"{path}: invalid YAML: {exc}") from None
    urls = raw.get("base_urls", raw) if isinstance(raw, dict) else None
    if not isinstance(urls, dict) or not all(isinstance(v, str) for v in urls.values()):
        raise EnverError(f"{path}: expected a mapping base_urls: {{service: url}}")
    return urls


def resolve_enver(constellation: Constellation, name: str, *, base_url_file: str | Path | None = None,
                  environ: Mapping[str, str] | None = None, probe: bool = True) -> Enver:
    spec = constellation.enver(name)
    environ = os.environ if environ is None else environ
    explicit: dict[str, tuple[str, str]] = {}
    if base_url_file:
        for svc, url in read_base_url_file(base_url_file).items():
            if svc not in constellation.services:
                raise EnverError(f"{base_url_file}: unknown service {svc!r} (services: {', '.join(constellation.services)})")
            explicit[svc] = (url, f"file {base_url_file}")
    for svc, sspec in constellation.services.items():
        if environ.get(sspec.base_url_env):
            explicit[svc] = (environ[sspec.base_url_env], f"env {sspec.base_url_env}")

    missing = [svc for svc in constellation.services if svc not in explicit]
    if missing and not spec.embedded:
        envs = ", ".join(constellation.services[s].base_url_env for s in missing)
        raise EnverError(f"enver {name!r} ({spec.revision}): no base URL for {', '.join(missing)}. "
                         f"Set {envs} or pass --base-urls FILE; resolution through /odmd-share is not available yet.")

    contracts = constellation.contracts
    enver = Enver(spec=spec, services={})
    if missing:
        from .aws import EmbeddedAws  # boto3 and moto load only when an embedded enver is needed

        enver.aws = EmbeddedAws().start()
        try:
            enver.local = LocalEnver(constellation, sqs=enver.aws.client("sqs")).start()
        except BaseException:
            enver.close()
            raise
    for svc in constellation.services:
        if svc in explicit:
            url, source = explicit[svc]
        else:
            url, source = enver.local.base_urls[svc], "embedded"  # type: ignore[union-attr]
        enver.services[svc] = ServiceEndpoint(svc, url.rstrip("/"), contracts[svc], source)
    if probe:
        try:
            check_reachable(enver)
        except EnverError:
            enver.close()
            raise
    return enver


def check_reachable(enver: Enver, timeout: float = 3.0) -> None:
    """One quick request per explicitly given base URL; any HTTP answer counts as reachable."""
    down = []
    with httpx.Client(timeout=timeout, trust_env=False) as client:
        for svc in enver.services.values():
            if svc.source == "embedded":
                continue
            try:
                client.get(svc.base_url)
            except httpx.HTTPError as exc:
                down.append(f"{svc.name} at {svc.base_url} ({svc.source}): {type(exc).__name__}: {exc}")
    if down:
        raise EnverError(f"enver {enver.name!r} is unreachable:\n  " + "\n  ".join(down))
