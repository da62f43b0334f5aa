"""The AWS side of the harness: the embedded AWS (moto) of the local enver, the
`http:invoke` extension of moto's Step Functions, the BDD state machine, the `sfn`
transport's execution runner.

Importing this package imports neither boto3 nor moto; each module does when used.
"""

from .deploy import deploy_bdd_state_machine, render_definition
from .embedded import EmbeddedAws, isolated_session
from .http_invoke import MotoVersionError
from .sfn_transport import (
    ExecutionDeadlineExceeded,
    ExecutionFailed,
    SfnCallError,
    exchange_request,
    flat_headers,
    run_exchange,
)

__all__ = [
    "EmbeddedAws", "ExecutionDeadlineExceeded", "ExecutionFailed", "MotoVersionError", "SfnCallError",
    "deploy_bdd_state_machine", "exchange_request", "flat_headers", "isolated_session", "render_definition",
    "run_exchange",
]
