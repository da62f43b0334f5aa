"""The embedded enver publishes itself as the platform publishes a deployed enver.

Into the embedded AWS: each service's base URL at /odmd-share/<buildId>/<revision>/<producer>,
its schema artifacts in a versioned S3 bucket with `<producer>/schema-url` naming the exact
version (a bundle is published after its parts and points at their s3:// addresses), the
web client's URL, the BDD state machine's ARN, and the SQS queue of every event channel.
"""

from __future__ import annotations

import json
from collections.abc import Set
from pathlib import Path
from typing import Any

from odmd_bdd.aws.deploy import deploy_bdd_state_machine
from odmd_bdd.aws.share import ensure_versioned_bucket, publish_artifact, publish_value
from odmd_bdd.contracts import load_artifact
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.localenv.server import LocalEnver

ARTIFACT_BUCKET = "odmd-local-artifacts"


def publish_local_enver(
    aws: Any,
    constellation: Constellation,
    local: LocalEnver,
    revision: str,
    *,
    state_machine: bool = True,
    client: Any = None,
    withhold_artifacts: Set[str] = frozenset(),
) -> dict[str, str]:
    """Publish everything; returns what was published (name → value) for the report.

    `state_machine=False` skips deploying the BDD state machine and its ARN: loading moto's
    Step Functions costs about 3 s, which a run on the http transport does not need.
    `client` is a service → boto3 client factory (default: `aws.client`). The services in
    `withhold_artifacts` get no schema artifact (a planted fault of the reliability suite)."""
    client = client or aws.client
    ssm, s3, sqs = client("ssm"), client("s3"), client("sqs")
    published: dict[str, str] = {}
    ensure_versioned_bucket(s3, ARTIFACT_BUCKET)
    for name, spec in constellation.services.items():
        if name in local.base_urls:  # a service given at an explicit address is not hosted here
            url = local.base_urls[name]
            published[publish_value(ssm, spec.build_id, revision, spec.base_url_producer, url)] = url
        if name not in withhold_artifacts:
            published[f"{name}.schema-url"] = _publish_contract(
                s3, ssm, aws.account_id, spec.build_id, revision, spec.base_url_producer, spec.contract_path
            )
    if constellation.web_client is not None and getattr(local, "web_client_url", None):
        wc = constellation.web_client
        published[publish_value(ssm, wc.build_id, revision, wc.producer, local.web_client_url)] = local.web_client_url
    if state_machine and constellation.bdd_state_machine is not None:
        arn = deploy_bdd_state_machine(aws)
        sm = constellation.bdd_state_machine
        published[publish_value(ssm, sm.build_id, revision, sm.producer, arn)] = arn
    for contract in constellation.event_contracts.values():
        for message in contract.messages.values():
            sqs.create_queue(QueueName=message.queue)
    return published


def _publish_contract(s3: Any, ssm: Any, account: str, build_id: str, revision: str, producer: str, path: Path) -> str:
    def publish(content: bytes | str, source: Path) -> str:
        return publish_artifact(
            s3,
            ssm,
            build_id,
            revision,
            producer,
            content,
            bucket=ARTIFACT_BUCKET,
            account=account,
            file_name=source.name.removesuffix(".json"),
            bucket_ready=True,
        )

    root = load_artifact(path)
    if root.kind != "bundle":
        return publish(path.read_bytes(), path)
    bundle = dict(root.document)
    for part in ("http", "events"):
        if isinstance(bundle.get(part), str):
            part_path = path.parent / bundle[part]
            bundle[part] = publish(part_path.read_bytes(), part_path)
    # Published last, so <producer>/schema-url ends up naming the bundle.
    return publish(json.dumps(bundle, indent=2), path)
