"""The AWS side of the harness: the embedded AWS (moto) of the local enver, the
`http:invoke` extension of moto's Step Functions, the BDD state machine, the `sfn`
transport's execution runner and the platform's share protocol (SSM + versioned S3).

Importing this package imports neither boto3 nor moto; each module does when used.
"""

from odmd_bdd.aws.deploy import deploy_bdd_state_machine, render_definition
from odmd_bdd.aws.embedded import EmbeddedAws, isolated_session
from odmd_bdd.aws.http_invoke import MotoVersionError
from odmd_bdd.aws.sfn_transport import (
    ExecutionDeadlineExceeded,
    ExecutionFailed,
    SfnCallError,
    exchange_request,
    flat_headers,
    run_exchange,
)
from odmd_bdd.aws.share import (
    ArtifactNotFound,
    FetchedArtifact,
    ShareNotFound,
    fetch_artifact,
    publish_artifact,
    publish_value,
    read_schema_url,
    read_share,
)

__all__ = [
    "ArtifactNotFound",
    "EmbeddedAws",
    "ExecutionDeadlineExceeded",
    "ExecutionFailed",
    "FetchedArtifact",
    "MotoVersionError",
    "SfnCallError",
    "ShareNotFound",
    "deploy_bdd_state_machine",
    "exchange_request",
    "fetch_artifact",
    "flat_headers",
    "isolated_session",
    "publish_artifact",
    "publish_value",
    "read_schema_url",
    "read_share",
    "render_definition",
    "run_exchange",
]
