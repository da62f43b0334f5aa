"""Schema artifacts and the checks made against them on every exchange."""

from odmd_bdd.contracts.artifacts import Artifact, load_artifact
from odmd_bdd.contracts.asyncapi import AsyncApiContract, Message
from odmd_bdd.contracts.loading import ServiceContracts, load_service_contracts, local_fetch
from odmd_bdd.contracts.openapi import OpenApiContract, Operation
from odmd_bdd.contracts.zod import zod_issues

__all__ = [
    "Artifact",
    "AsyncApiContract",
    "Message",
    "OpenApiContract",
    "Operation",
    "ServiceContracts",
    "load_artifact",
    "load_service_contracts",
    "local_fetch",
    "zod_issues",
]
