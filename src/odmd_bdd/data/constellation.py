"""The constellation file: which services exist, their contracts, and the envers to test.

See fixtures/envers/constellation.yaml. The engine knows no service by name; everything
specific to the reference constellation lives in that file and the dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from odmd_bdd.contracts import (
    AsyncApiContract,
    OpenApiContract,
    ServiceContracts,
    load_artifact,
    load_service_contracts,
    local_fetch,
)
from odmd_bdd.contracts.security import Credentials
from odmd_bdd.data import yamlfile
from odmd_bdd.data.dataset import Dataset
from odmd_bdd.errors import EnverError, OdmdError


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    build_id: str
    base_url_producer: str
    contract_path: Path
    base_url_env: str
    stack: str | None = None  # CloudFormation stack whose outputs are the fallback to /odmd-share
    credentials: dict[str, str] = field(default_factory=dict)  # security scheme -> constant of its mock credential


@dataclass(frozen=True)
class SharedValue:
    """A value another build publishes: the web client URL, the BDD state machine ARN."""

    build_id: str
    producer: str
    env: str | None = None
    stack: str | None = None


@dataclass(frozen=True)
class EventBus:
    """The SQS endpoint a run reads events from when no /odmd-share resolution brings one, and
    optionally the queue (name or URL) the services publish each channel to: `queues` maps an
    AsyncAPI channel (or the contract's queue name) to it."""

    endpoint_url: str | None
    region: str
    queues: dict[str, str] = field(default_factory=dict)


ANSWER_MODES = ("full", "named")  # an enver's answers: compared in full with the dataset, or only as steps name


@dataclass(frozen=True)
class EnverSpec:
    name: str
    revision: str
    embedded: bool = False
    region: str | None = None
    profile: str | None = None  # an AWS profile of the standard credential chain
    endpoint_url: str | None = None  # an AWS endpoint other than the region's (e.g. a test stack)
    transport: str = "http"  # how the API layer reaches services: http | sfn
    event_bus: EventBus | None = None  # where events are read when every service has an explicit address
    answers: str = "full"  # full: every answer compared with the dataset; named: only what steps name

    @property
    def is_main(self) -> bool:
        return self.revision.split("..")[-1] == "main"


@dataclass
class Constellation:
    path: Path
    dataset_path: Path
    services: dict[str, ServiceSpec]
    envers: dict[str, EnverSpec]
    valid_bearer_constants: list[str] = field(default_factory=list)
    invalid_bearer_constant: str | None = None
    web_client: SharedValue | None = None
    bdd_state_machine: SharedValue | None = None

    @classmethod
    def load(cls, path: str | Path) -> Constellation:
        path = Path(path).resolve()
        try:
            raw: Any = yamlfile.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise OdmdError(f"cannot read the constellation file {path}: {exc.strerror}") from None
        except yaml.MarkedYAMLError as exc:
            line = f":{exc.problem_mark.line + 1}" if exc.problem_mark else ""
            raise OdmdError(f"{path}{line}: invalid YAML: {exc.problem}") from None
        base = constellation_base(path)
        services = {}
        for name, spec in (raw.get("services") or {}).items():
            try:
                services[name] = ServiceSpec(
                    name=name,
                    build_id=spec.get("build_id", name),
                    base_url_producer=spec["base_url_producer"],
                    contract_path=(base / spec["contract"]).resolve(),
                    base_url_env=spec.get("base_url_env") or _default_env(name),
                    stack=spec.get("stack"),
                    credentials=_credentials(spec.get("credentials"), path, name),
                )
            except (KeyError, TypeError) as exc:
                raise OdmdError(f"{path}: service {name} lacks {exc}") from None
        envers = {}
        for name, spec in (raw.get("envers") or {}).items():
            spec = spec or {}
            transport = spec.get("transport", "http")
            if transport not in ("http", "sfn"):
                raise OdmdError(f"{path}: enver {name}: transport must be http or sfn, not {transport!r}")
            revision = spec.get("revision", f"b..{name}")
            mock = bool(spec.get("embedded", False)) or revision.split("..")[-1] == "mock"
            answers = spec.get("answers", "full" if mock else "named")
            if answers not in ANSWER_MODES:
                raise OdmdError(f"{path}: enver {name}: answers must be full or named, not {answers!r}")
            envers[name] = EnverSpec(
                name=name,
                revision=revision,
                embedded=bool(spec.get("embedded", False)),
                region=spec.get("region"),
                profile=spec.get("profile"),
                endpoint_url=spec.get("endpoint_url"),
                transport=transport,
                event_bus=_event_bus(spec.get("event_bus"), path, name),
                answers=answers,
            )
        return cls(
            path=path,
            dataset_path=(base / raw.get("dataset", "dataset/master-mock-dataset.yaml")).resolve(),
            services=services,
            envers=envers,
            valid_bearer_constants=list((raw.get("mock_auth") or {}).get("valid_bearer_tokens") or []),
            invalid_bearer_constant=(raw.get("mock_auth") or {}).get("invalid_bearer_token"),
            web_client=_shared(raw.get("web_client"), path, "web_client"),
            bdd_state_machine=_shared(raw.get("bdd_state_machine"), path, "bdd_state_machine"),
        )

    @property
    def base(self) -> Path:
        """The folder this constellation's relative paths start from (see `constellation_base`)."""
        return constellation_base(self.path)

    def enver(self, name: str) -> EnverSpec:
        try:
            return self.envers[name]
        except KeyError:
            raise EnverError(f"unknown enver {name!r}: {self.path} defines {', '.join(self.envers)}") from None

    @cached_property
    def dataset(self) -> Dataset:
        return Dataset.load(self.dataset_path)

    @cached_property
    def service_contracts(self) -> dict[str, ServiceContracts]:
        """The local copies of every service's artifacts (a bundle is followed), compiled once."""
        return {
            name: load_service_contracts(
                name, load_artifact(spec.contract_path), local_fetch(spec.contract_path.parent)
            )
            for name, spec in self.services.items()
        }

    @property
    def contracts(self) -> dict[str, OpenApiContract]:
        """The HTTP (OpenAPI) contract of each service."""
        return {name: c.http for name, c in self.service_contracts.items()}

    @property
    def event_contracts(self) -> dict[str, AsyncApiContract]:
        """The AsyncAPI contract of each service that publishes events."""
        return {name: c.events for name, c in self.service_contracts.items() if c.events is not None}

    def valid_bearer_tokens(self) -> set[str]:
        consts = self.dataset.constants
        return {str(consts[name]) for name in self.valid_bearer_constants if name in consts}

    def mock_credentials(self, service: str) -> dict[str, str]:
        """The credential a client presents per security scheme of `service` (scheme -> value),
        from the constants the constellation names for it."""
        consts = self.dataset.constants
        spec = self.services.get(service)
        named = spec.credentials if spec is not None else {}
        return {scheme: str(consts[name]) for scheme, name in named.items() if name in consts}

    def invalid_credential(self) -> str | None:
        """The value steps send as a wrong credential (for any scheme): the invalid bearer token."""
        name = self.invalid_bearer_constant
        consts = self.dataset.constants
        return str(consts[name]) if name and name in consts else None

    def credentials(self) -> Credentials:
        """What a mock service accepts: each service's mock credential per scheme it names, and
        the valid bearer tokens for every other scheme."""
        return Credentials(
            default=self.valid_bearer_tokens(),
            per_scheme={
                name: {scheme: {value} for scheme, value in self.mock_credentials(name).items()}
                for name in self.services
            },
        )


def constellation_base(path: Path) -> Path:
    """The folder a constellation file's relative paths (contracts, dataset, phase confirmations)
    start from: the parent of its `envers/` folder (fixtures/envers/constellation.yaml ->
    fixtures/), or else the folder the file is in."""
    return path.parent.parent if path.parent.name == "envers" else path.parent


def _shared(raw: Any, path: Path, key: str) -> SharedValue | None:
    if raw is None:
        return None
    try:
        return SharedValue(
            build_id=raw["build_id"], producer=raw["producer"], env=raw.get("env"), stack=raw.get("stack")
        )
    except (KeyError, TypeError):
        raise OdmdError(f"{path}: {key} needs build_id and producer") from None


def _credentials(raw: Any, path: Path, service: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise OdmdError(
            f"{path}: service {service}: credentials map a security scheme of its contract to the name of a "
            f"dataset constant (its mock credential), e.g. api_key: PETSTORE_API_KEY"
        )
    return dict(raw)


def _default_env(service: str) -> str:
    stem = service.removesuffix("-service").upper().replace("-", "_")
    return f"ODMD_{stem}_BASE_URL"


def _event_bus(raw: Any, path: Path, enver: str) -> EventBus | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("region"), str):
        raise OdmdError(f"{path}: enver {enver}: event_bus needs region (and endpoint_url for a non-AWS endpoint)")
    unknown = set(raw) - {"endpoint_url", "region", "queues"}
    if unknown:
        raise OdmdError(
            f"{path}: enver {enver}: event_bus has endpoint_url, region and queues, not {', '.join(sorted(unknown))}"
        )
    queues = raw.get("queues") or {}
    if not isinstance(queues, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in queues.items()
    ):
        raise OdmdError(
            f"{path}: enver {enver}: event_bus queues must map a channel (or contract queue name) to a queue name or URL"
        )
    return EventBus(raw.get("endpoint_url"), raw["region"], dict(queues))
