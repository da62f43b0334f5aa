"""Schema artifacts and the checks made against them on every exchange."""

from .artifacts import Artifact, load_artifact
from .asyncapi import AsyncApiContract, Message
from .loading import ServiceContracts, load_service_contracts, local_fetch
from .openapi import OpenApiContract, Operation
from .zod import zod_issues

__all__ = ["Artifact", "AsyncApiContract", "Message", "OpenApiContract", "Operation", "ServiceContracts",
           "load_artifact", "load_service_contracts", "local_fetch", "zod_issues"]
