"""Loading a service's contracts from its artifact, following a `bundle` to its parts."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from odmd_bdd.contracts.artifacts import Artifact, load_artifact
from odmd_bdd.contracts.asyncapi import AsyncApiContract
from odmd_bdd.contracts.openapi import OpenApiContract
from odmd_bdd.errors import ContractError

Fetch = Callable[[str], Artifact]
BUNDLE_PARTS = ("http", "events")  # a bundle's keys: the addresses of its openapi and asyncapi artifacts


@dataclass
class ServiceContracts:
    service: str
    http: OpenApiContract
    events: AsyncApiContract | None = None
    artifacts: list[Artifact] = field(default_factory=list)  # every artifact read, for the report


def local_fetch(base: Path) -> Fetch:
    """Addresses relative to the folder of the artifact that names them."""
    return lambda address: load_artifact(base / address)


def load_service_contracts(service: str, root: Artifact, fetch: Fetch) -> ServiceContracts:
    if root.kind == "openapi":
        return ServiceContracts(service, OpenApiContract(service, root), None, [root])
    if root.kind == "asyncapi":
        raise ContractError(
            f"{root.address}: {service} has only an asyncapi artifact; its HTTP API needs an "
            f"openapi artifact (or a bundle of both)"
        )
    http_address, events_address = (root.document.get(key) for key in BUNDLE_PARTS)
    if not isinstance(http_address, str):
        raise ContractError(f"{root.address}: a bundle needs 'http' (the address of its openapi artifact)")
    http = fetch(http_address)
    artifacts = [root, http]
    events = None
    if isinstance(events_address, str):
        events_artifact = fetch(events_address)
        artifacts.append(events_artifact)
        events = AsyncApiContract(service, events_artifact)
    return ServiceContracts(service, OpenApiContract(service, http), events, artifacts)


def local_files(contract_path: Path) -> set[Path]:
    """The files a service's local contract is read from: the artifact and, for a bundle, its parts
    wherever they are. Only the bundle's JSON is read; nothing is parsed as a contract or validated."""
    files = {contract_path.resolve()}
    try:
        document = json.loads(contract_path.read_bytes())
    except (OSError, ValueError):
        return files  # loading it says what is wrong
    if isinstance(document, dict) and document.get("odmdKind") == "bundle":
        parts = (document.get(key) for key in BUNDLE_PARTS)
        files |= {(contract_path.parent / part).resolve() for part in parts if isinstance(part, str)}
    return files
