"""The two ways of publishing an enver (odmd_bdd/aws/writers.py) leave the same enver behind, as
the AWS API shows it: a run's embedded enver publishes itself into the in-process moto's backends,
`odmd-bdd local-enver` through the API of moto in a child process."""

from __future__ import annotations

import re

import pytest

from odmd_bdd.aws.share import fetch_artifact, write_artifact
from odmd_bdd.aws.writers import ApiWriter, MotoWriter
from odmd_bdd.errors import EnverError
from odmd_bdd.events.sqs import ApiSender
from odmd_bdd.localenv.publish import publish_local_enver


@pytest.fixture(scope="module")
def writers(enver):
    """(name, writer, revision) of each way, on the module's embedded AWS."""
    return [
        ("api", ApiWriter(enver.aws.client), "b..api-writer"),
        ("moto", MotoWriter(enver.aws.account_id, enver.aws.region), "b..moto-writer"),
    ]


def _neutral(text: str, revision: str) -> str:
    """What must differ between two publishes: the revision, the S3 VersionIds."""
    return re.sub(r"@[^@/\s\"]+", "@<version>", text.replace(revision, "<revision>"))


def _parameter(ssm, name: str) -> dict:
    found = ssm.get_parameter(Name=name)["Parameter"]
    return {k: found[k] for k in ("Type", "DataType", "Version")} | {"Value": found["Value"]}


def _object(s3, url: str) -> dict:
    artifact = fetch_artifact(s3, url)
    bucket, key = artifact.address.removeprefix("s3://").split("/", 1)
    head = s3.head_object(Bucket=bucket, Key=key, VersionId=artifact.version)
    tags = s3.get_object_tagging(Bucket=bucket, Key=key, VersionId=artifact.version)["TagSet"]
    return {"body": artifact.data, "ContentType": head["ContentType"], "tags": tags}


def test_both_writers_publish_the_same_values_and_artifacts(enver, reference_constellation, writers):
    ssm, s3 = enver.aws.client("ssm"), enver.aws.client("s3")
    seen = {}
    for way, writer, revision in writers:
        published = publish_local_enver(
            enver.aws, reference_constellation, enver.local, revision, state_machine=False, writer=writer
        )
        parameters, artifacts = {}, {}
        for name, value in published.items():
            if name.endswith(".schema-url"):  # service.schema-url → its s3://bucket/key@version
                artifact = _object(s3, value)
                artifacts[name] = artifact | {"body": _neutral(artifact["body"].decode(), revision)}
                assert value.endswith(f"@{fetch_artifact(s3, value).version}") and "@null" not in value
            else:
                parameter = _parameter(ssm, name)
                assert parameter["Value"] == value
                parameters[_neutral(name, revision)] = parameter | {"Value": _neutral(value, revision)}
        seen[way] = parameters, artifacts
    assert seen["api"] == seen["moto"]
    parameters, artifacts = seen["moto"]
    assert len(parameters) == len(reference_constellation.services) + 1  # the base URLs and the web client
    assert set(artifacts) == {f"{name}.schema-url" for name in reference_constellation.services}
    assert {a["ContentType"] for a in artifacts.values()} == {"application/json"}


def test_both_writers_tag_an_artifact_and_point_its_schema_url_at_that_version(enver, writers):
    ssm, s3 = enver.aws.client("ssm"), enver.aws.client("s3")
    seen = {}
    for way, writer, revision in writers:
        writer.ensure_versioned_bucket("odmd-writer-test")
        urls = [
            write_artifact(
                writer,
                "key-service",
                revision,
                "keyApiBaseUrl",
                {"n": n},
                bucket="odmd-writer-test",
                account=enver.aws.account_id,
                git_sha="0123abc",
                bucket_ready=True,
            )
            for n in (1, 2)
        ]
        assert urls[0] != urls[1]  # a new version of the same key
        schema_url = ssm.get_parameter(Name=f"/odmd-share/key-service/{revision}/keyApiBaseUrl/schema-url")
        assert schema_url["Parameter"]["Value"] == urls[1]
        seen[way] = [_object(s3, url) for url in urls]
    assert seen["api"] == seen["moto"]
    assert seen["moto"][0]["tags"] == [{"Key": "gitsha", "Value": "0123abc"}]
    assert [o["body"] for o in seen["moto"]] == [b'{\n  "n": 1\n}', b'{\n  "n": 2\n}']


def test_both_writers_refuse_an_artifact_in_a_bucket_without_versioning(enver, writers):
    enver.aws.client("s3").create_bucket(Bucket="odmd-writer-unversioned")
    for _, writer, revision in writers:
        with pytest.raises(EnverError, match="got no VersionId: versioning is not enabled"):
            write_artifact(
                writer,
                "key-service",
                revision,
                "keyApiBaseUrl",
                {},
                bucket="odmd-writer-unversioned",
                account=enver.aws.account_id,
                bucket_ready=True,
            )


def test_both_writers_create_a_queue_once(enver, writers):
    sqs = enver.aws.client("sqs")
    attributes = {}
    for way, writer, _ in writers:
        for _ in range(2):  # a second publish of the same enver finds the queue there
            writer.create_queue(f"odmd-writer-{way}")
        url = sqs.get_queue_url(QueueName=f"odmd-writer-{way}")["QueueUrl"]
        found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        attributes[way] = {
            k: v for k, v in found.items() if k not in ("QueueArn", "CreatedTimestamp", "LastModifiedTimestamp")
        }
    assert attributes["api"] == attributes["moto"]


def test_both_senders_put_an_event_the_harness_receives_the_same(enver):
    """The services' events: through the SQS API (ApiSender) or onto the in-process moto's queues
    (MotoSender, the embedded enver's), each creating its queue on the first message."""
    sqs = enver.aws.client("sqs")
    received = {}
    for way, sender in (("api", ApiSender(sqs)), ("moto", enver.aws.event_sender())):
        queue = f"odmd-sender-{way}"
        for n in (1, 2):
            sender.send(queue, f'{{"n": {n}}}', {"event_type": {"DataType": "String", "StringValue": "KeyRegistered"}})
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
        received[way] = [
            {k: m[k] for k in ("Body", "MD5OfBody", "MessageAttributes", "MD5OfMessageAttributes")} for m in got
        ]
    assert received["api"] == received["moto"]
    assert [m["Body"] for m in received["moto"]] == ['{"n": 1}', '{"n": 2}']
    assert received["moto"][0]["MessageAttributes"] == {
        "event_type": {"DataType": "String", "StringValue": "KeyRegistered"}
    }
