"""The embedded enver publishes itself as the platform publishes a deployed enver.

Into the embedded AWS: each service's base URL at /odmd-share/<buildId>/<revision>/<producer>,
its schema artifacts in a versioned S3 bucket with `<producer>/schema-url` naming the exact
version (a bundle is published after its parts and points at their s3:// addresses), the
web client's URL, the BDD state machine's ARN, and the SQS queue of every event channel.
It writes them with the embedded AWS's `writer()`: into moto's backends when moto runs in this
process, through the AWS API otherwise (odmd_bdd/aws/writers.py says why).
"""

from __future__ import annotations

import json
from collections.abc import Set
from pathlib import Path
from typing import Any

from odmd_bdd.aws.deploy import deploy_bdd_state_machine
from odmd_bdd.aws.share import write_artifact, write_value
from odmd_bdd.aws.writers import EnverWriter
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
    writer: EnverWriter | None = None,
    withhold_artifacts: Set[str] = frozenset(),
) -> dict[str, str]:
    """Publish everything; returns what was published (name → value) for the report.

    `state_machine=False` skips deploying the BDD state machine and its ARN: loading moto's
    Step Functions costs about 3 s, which a run on the http transport does not need.
    `writer` is where it all goes (default: `aws.writer()`). The services in `withhold_artifacts`
    get no schema artifact (a planted fault of the reliability suite)."""
    writer = writer or aws.writer()
    published: dict[str, str] = {}
    writer.ensure_versioned_bucket(ARTIFACT_BUCKET)
    for name, spec in constellation.services.items():
        if name in local.base_urls:  # a service given at an explicit address is not hosted here
            url = local.base_urls[name]
            published[write_value(writer, spec.build_id, revision, spec.base_url_producer, url)] = url
        if name not in withhold_artifacts:
            published[f"{name}.schema-url"] = _publish_contract(
                writer, aws.account_id, spec.build_id, revision, spec.base_url_producer, spec.contract_path
            )
    if constellation.web_client is not None and getattr(local, "web_client_url", None):
        wc = constellation.web_client
        published[write_value(writer, wc.build_id, revision, wc.producer, local.web_client_url)] = local.web_client_url
    if state_machine and constellation.bdd_state_machine is not None:
        arn = deploy_bdd_state_machine(aws)
        sm = constellation.bdd_state_machine
        published[write_value(writer, sm.build_id, revision, sm.producer, arn)] = arn
    for contract in constellation.event_contracts.values():
        for message in contract.messages.values():
            writer.create_queue(message.queue)
    return published


def _publish_contract(
    writer: EnverWriter, account: str, build_id: str, revision: str, producer: str, path: Path
) -> str:
    def publish(content: bytes | str, source: Path) -> str:
        return write_artifact(
            writer,
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
