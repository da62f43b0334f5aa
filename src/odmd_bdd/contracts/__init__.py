"""Schema artifacts and the checks made against them on every exchange."""

from .artifacts import Artifact, load_artifact
from .openapi import OpenApiContract, Operation
from .zod import zod_issues

__all__ = ["Artifact", "OpenApiContract", "Operation", "load_artifact", "zod_issues"]
