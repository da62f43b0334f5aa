"""The share protocol on the embedded AWS: /odmd-share SSM parameters and versioned S3 artifacts."""

from __future__ import annotations

import json

import pytest

from odmd_bdd.aws import (
    ArtifactNotFound,
    ShareNotFound,
    fetch_artifact,
    publish_artifact,
    publish_value,
    read_schema_url,
    read_share,
)
from odmd_bdd.aws.share import parse_s3_url, share_name
from odmd_bdd.contracts.artifacts import parse_artifact
from odmd_bdd.errors import ContractError, EnverError
from tests.aws_support import embedded_aws  # noqa: F401  (fixture)

BUCKET = "odmd-bdd-test-artifacts"
OPENAPI = {
    "odmdKind": "openapi",
    "openapi": "3.1.0",
    "info": {"title": "identity", "version": "1"},
    "servers": [{"url": ""}],
    "paths": {},
}


@pytest.fixture(scope="module")
def ssm(embedded_aws):
    return embedded_aws.client("ssm")


@pytest.fixture(scope="module")
def s3(embedded_aws):
    return embedded_aws.client("s3")


def test_a_published_value_is_read_back_from_its_platform_path(ssm):
    name = publish_value(ssm, "identity-service", "b..mock", "identityApiBaseUrl", "http://127.0.0.1:8000/identity")
    assert name == "/odmd-share/identity-service/b..mock/identityApiBaseUrl"
    assert ssm.get_parameter(Name=name)["Parameter"]["Type"] == "String"
    assert read_share(ssm, "identity-service", "b..mock", "identityApiBaseUrl") == "http://127.0.0.1:8000/identity"
    publish_value(ssm, "identity-service", "b..mock", "identityApiBaseUrl", "http://127.0.0.1:9000/identity")
    assert read_share(ssm, "identity-service", "b..mock", "identityApiBaseUrl").endswith(":9000/identity")


def test_a_missing_parameter_names_the_full_path(ssm):
    with pytest.raises(ShareNotFound) as err:
        read_share(ssm, "identity-service", "b..dev", "identityApiBaseUrl")
    assert isinstance(err.value, EnverError)
    assert "/odmd-share/identity-service/b..dev/identityApiBaseUrl" in str(err.value)
    with pytest.raises(ShareNotFound, match="/odmd-share/identity-service/b..mock/identityApiBaseUrl/schema-url"):
        read_schema_url(ssm, "identity-service", "b..mock", "identityApiBaseUrl")


def test_an_artifact_round_trip_pins_its_version(embedded_aws, s3, ssm):
    url = publish_artifact(
        s3,
        ssm,
        "identity-service",
        "b..mock",
        "identityApiBaseUrl",
        OPENAPI,
        bucket=BUCKET,
        account=embedded_aws.account_id,
        file_name="identity-api",
        git_sha="0123abc",
    )
    bucket, key, version = parse_s3_url(url)
    assert (bucket, key) == (BUCKET, f"{embedded_aws.account_id}/b..mock/identity-api.json")
    assert read_schema_url(ssm, "identity-service", "b..mock", "identityApiBaseUrl") == url
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    tags = s3.get_object_tagging(Bucket=BUCKET, Key=key, VersionId=version)["TagSet"]
    assert {"Key": "gitsha", "Value": "0123abc"} in tags

    fetched = fetch_artifact(s3, url)
    assert fetched.url == url and fetched.version == version
    artifact = parse_artifact(fetched.data, fetched.address, fetched.version)
    assert artifact.kind == "openapi" and artifact.label == url

    newer = publish_artifact(
        s3,
        ssm,
        "identity-service",
        "b..mock",
        "identityApiBaseUrl",
        {**OPENAPI, "info": {"title": "identity", "version": "2"}},
        bucket=BUCKET,
        account=embedded_aws.account_id,
        file_name="identity-api",
    )
    assert newer != url and parse_s3_url(newer)[:2] == (bucket, key)
    assert json.loads(fetch_artifact(s3, url).data)["info"]["version"] == "1"  # the old URL still means v1
    assert json.loads(fetch_artifact(s3, newer).data)["info"]["version"] == "2"


def test_a_missing_object_names_the_s3_address(embedded_aws, s3, ssm):
    url = publish_artifact(
        s3, ssm, "key-service", "b..mock", "keyApiBaseUrl", OPENAPI, bucket=BUCKET, account=embedded_aws.account_id
    )
    _, key, version = parse_s3_url(url)
    for missing in (
        f"s3://{BUCKET}/{key}.gone@{version}",  # no such key
        f"s3://{BUCKET}/{key}@not-a-version-of-it",  # no such version
        f"s3://odmd-bdd-no-such-bucket/{key}@{version}",
    ):  # no such bucket
        with pytest.raises(ArtifactNotFound) as err:
            fetch_artifact(s3, missing)
        assert isinstance(err.value, ContractError)
        assert missing in str(err.value)


@pytest.mark.parametrize("url", ["s3://bucket/key", "https://bucket/key@v", "s3://bucket@v", ""])
def test_a_malformed_schema_url_is_one_clear_error(s3, url):
    with pytest.raises(ContractError, match="s3://<bucket>/<key>@<VersionId>"):
        fetch_artifact(s3, url)


@pytest.mark.parametrize(
    ("build", "revision", "producer", "problem"),
    [
        ("identity-service", "mock", "x", "b..<branch> or t..<tag>"),
        ("identity/service", "b..mock", "x", "buildId"),
        ("identity-service", "b..mock", "", "producer"),
    ],
)
def test_share_names_are_checked(build, revision, producer, problem):
    with pytest.raises(EnverError, match=problem.replace(".", r"\.")):
        share_name(build, revision, producer)


def test_a_key_with_an_at_sign_still_parses():
    assert parse_s3_url("s3://b/a@b/c.json@v1") == ("b", "a@b/c.json", "v1")


def test_a_share_snapshot_survives_json_and_a_malformed_one_is_one_clear_error():
    from odmd_bdd.aws.share import ShareSnapshot

    snapshot = ShareSnapshot(
        values={"/odmd-share/a/b..mock/url": "http://127.0.0.1:1"},
        artifacts={"s3://b/k.json@v1": b'{"odmdKind": "openapi"}', "s3://b/bin@v2": bytes(range(256))},
    )
    assert ShareSnapshot.from_json(json.loads(json.dumps(snapshot.to_json()))) == snapshot
    for broken in ({}, {"values": [], "artifacts": {}}, {**snapshot.to_json(), "artifacts": {"u": "%"}}):
        with pytest.raises(EnverError, match="malformed share snapshot"):
            ShareSnapshot.from_json(broken)
