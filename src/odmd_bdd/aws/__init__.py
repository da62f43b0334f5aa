"""The AWS side of the harness: the embedded AWS (moto) of the local enver and the
`http:invoke` extension of moto's Step Functions.

Importing this package imports neither boto3 nor moto; each module does when used.
"""

from .embedded import EmbeddedAws, isolated_session
from .http_invoke import MotoVersionError

__all__ = ["EmbeddedAws", "MotoVersionError", "isolated_session"]
