"""Resolving envers the platform's way, against the embedded AWS playing a deployed account.

The local enver publishes itself at b..mock; a copy of the constellation then points its
`mock` enver at the same AWS endpoint (as a team points it at its account), and the harness
must find everything — or name exactly what is missing.
"""

import re
import shutil

import pytest
import yaml

from conftest import ROOT
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.errors import ContractError, EnverError
from odmd_bdd.resolution.envers import resolve_enver
from tests.aws_support import record_aws_calls

IDENTITY_BASE = "/odmd-share/identity-service/b..mock/identityApiBaseUrl"


@pytest.fixture(scope="module")
def local(reference_constellation):
    enver = resolve_enver(reference_constellation, "local")
    yield enver
    enver.close()


@pytest.fixture
def deployed_constellation(tmp_path, local, monkeypatch):
    """A constellation whose `mock` enver is the embedded AWS's account, read with dummy
    credentials from the standard chain (environment variables)."""
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    path = tmp_path / "fixtures" / "envers" / "constellation.yaml"
    raw = yaml.safe_load(path.read_text())
    raw["envers"]["mock"] = {"revision": "b..mock", "region": "us-east-1", "endpoint_url": local.aws.endpoint_url}
    raw["services"]["identity-service"]["stack"] = "identity-service-mock"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return Constellation.load(path)


@pytest.fixture
def ssm(local):
    return local.aws_client("ssm")


def test_deployed_enver_resolves_base_urls_and_artifact_versions_through_the_share(local, deployed_constellation):
    enver = resolve_enver(deployed_constellation, "mock")
    try:
        assert {n: s.base_url for n, s in enver.services.items()} == {n: s.base_url for n, s in local.services.items()}
        assert enver.service("identity-service").source == "share"
        info = enver.describe()
        assert info["identity-service.artifact.bundle"] == local.describe()["identity-service.artifact.bundle"]
        assert info["identity-service.artifact.asyncapi"].startswith("s3://odmd-local-artifacts/123456789012/b..mock/")
        assert set(enver.event_contracts) == {
            "identity-service",
            "key-service",
            "anonymous-service",
            "chain-service",
            "certificate-service",
        }
        assert enver.web_client_url == local.web_client_url
    finally:
        enver.close()


def test_a_remote_share_is_read_for_every_service_at_once(local, deployed_constellation, monkeypatch):
    """Each read of a deployed enver's share is a round trip: the services' artifacts are fetched
    concurrently (the same result, in the same order, as reading them one after another)."""
    import threading

    from odmd_bdd.resolution import odmd_share

    readers: set[str] = set()
    fetch_artifact = odmd_share.fetch_artifact

    def recording(*args, **kwargs):
        readers.add(threading.current_thread().name)
        return fetch_artifact(*args, **kwargs)

    monkeypatch.setattr(odmd_share, "fetch_artifact", recording)
    enver = resolve_enver(deployed_constellation, "mock")
    try:
        assert list(enver.services) == list(deployed_constellation.services)
        assert {n: s.base_url for n, s in enver.services.items()} == {n: s.base_url for n, s in local.services.items()}
    finally:
        enver.close()
    assert len({name for name in readers if name.startswith("odmd-share")}) > 1, readers


def test_the_share_is_read_in_a_few_get_parameters_calls(local, deployed_constellation, monkeypatch):
    calls = record_aws_calls(monkeypatch)
    enver = resolve_enver(deployed_constellation, "mock")
    enver.close()
    # six services' base and schema URLs and the web client's: 13 names, two calls of up to ten
    assert calls.count("GetParameters") == 2 and "GetParameter" not in calls, calls
    assert len(enver.services) == len(deployed_constellation.services)


def test_without_get_parameters_permission_each_value_is_read_on_its_own(local, deployed_constellation, monkeypatch):
    calls = record_aws_calls(monkeypatch, deny="GetParameters")
    enver = resolve_enver(deployed_constellation, "mock")
    enver.close()
    assert calls.count("GetParameters") == 1 and calls.count("GetParameter") == 13, calls
    assert {n: s.base_url for n, s in enver.services.items()} == {n: s.base_url for n, s in local.services.items()}


def test_missing_parameters_are_one_error_naming_every_path_the_endpoint_and_the_region(
    local, deployed_constellation, ssm
):
    names = ["/odmd-share/key-service/b..mock/keyApiBaseUrl", "/odmd-share/chain-service/b..mock/chainApiBaseUrl"]
    values = {name: ssm.get_parameter(Name=name)["Parameter"]["Value"] for name in names}
    for name in names:
        ssm.delete_parameter(Name=name)
    try:
        with pytest.raises(EnverError) as caught:
            resolve_enver(deployed_constellation, "mock")
        message = str(caught.value)
        assert "2 shared value(s) are not published in /odmd-share" in message
        assert all(name in message for name in names)
        assert f"SSM at {ssm.meta.endpoint_url}, region {ssm.meta.region_name}" in message
    finally:
        for name, value in values.items():
            ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)


def test_an_empty_share_is_one_error_naming_every_missing_parameter_the_endpoint_and_the_region(
    local, deployed_constellation, ssm
):
    """Nothing published at the revision: the schema URL and base URL of every service, the
    BDD state machine (sfn transport) and the web client, all in one error (issue 16, D6)."""
    path = deployed_constellation.path
    raw = yaml.safe_load(path.read_text())
    raw["envers"]["empty"] = {**raw["envers"]["mock"], "revision": "b..empty", "transport": "sfn"}
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    constellation = Constellation.load(path)
    with pytest.raises(EnverError) as caught:
        resolve_enver(constellation, "empty", probe=False)
    message = str(caught.value)
    expected = [
        f"/odmd-share/{s.build_id}/b..empty/{s.base_url_producer}{child}"
        for s in constellation.services.values()
        for child in ("/schema-url", "")
    ]
    expected += [
        "/odmd-share/web-client-bdd/b..empty/bddStateMachineArn",
        "/odmd-share/web-client/b..empty/webClientUrl",
    ]
    assert f"{len(expected)} shared value(s) are not published in /odmd-share" in message
    assert re.findall(r"/odmd-share/[^\s,]+", message) == expected
    assert (
        "/odmd-share/identity-service/b..empty/identityApiBaseUrl (the fallback stack 'identity-service-mock'"
        in message
    )
    assert f"SSM at {ssm.meta.endpoint_url}, region {ssm.meta.region_name}" in message


def test_without_credentials_the_error_names_the_endpoint_and_the_region(deployed_constellation, monkeypatch, tmp_path):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    endpoint = deployed_constellation.enver("mock").endpoint_url
    with pytest.raises(EnverError, match=f"SSM at {endpoint}, region us-east-1.*no credentials"):
        resolve_enver(deployed_constellation, "mock", probe=False)


def test_an_unreachable_aws_names_the_endpoint_and_the_region(deployed_constellation):
    path = deployed_constellation.path
    raw = yaml.safe_load(path.read_text())
    raw["envers"]["mock"]["endpoint_url"] = "http://127.0.0.1:9"  # the discard port: nothing answers
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(EnverError, match="could not be reached \\(SSM at http://127.0.0.1:9, region us-east-1\\)"):
        resolve_enver(Constellation.load(path), "mock", probe=False)


def test_a_missing_artifact_version_is_one_error_naming_the_s3_address(local, deployed_constellation, ssm):
    schema_url = "/odmd-share/jwks-service/b..mock/jwksApiBaseUrl/schema-url"
    good = ssm.get_parameter(Name=schema_url)["Parameter"]["Value"]
    bad = good.rsplit("@", 1)[0] + "@no-such-version"
    ssm.put_parameter(Name=schema_url, Value=bad, Type="String", Overwrite=True)
    try:
        with pytest.raises(ContractError, match=f"schema artifact {bad} cannot be fetched"):
            resolve_enver(deployed_constellation, "mock")
    finally:
        ssm.put_parameter(Name=schema_url, Value=good, Type="String", Overwrite=True)


def test_stack_outputs_are_the_fallback_for_a_missing_parameter(local, deployed_constellation, ssm):
    url = ssm.get_parameter(Name=IDENTITY_BASE)["Parameter"]["Value"]
    cfn = local.aws_client("cloudformation")
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}, "Outputs": {"identityApiBaseUrl": {"Value": url}}}
    cfn.create_stack(StackName="identity-service-mock", TemplateBody=yaml.safe_dump(template))
    ssm.delete_parameter(Name=IDENTITY_BASE)
    try:
        enver = resolve_enver(deployed_constellation, "mock")
        assert enver.service("identity-service").base_url == url
        assert enver.service("identity-service").source == "stack identity-service-mock"
        assert not enver.service("identity-service").explicit  # resolved from the enver: the whole answer is checked
        assert enver.describe()["services_from"] == "6 from /odmd-share, 1 of them via stack outputs"
        assert enver.describe()["answers"] == "full (every answer compared with the dataset)"
        enver.close()
        cfn.delete_stack(StackName="identity-service-mock")
        with pytest.raises(
            EnverError, match=f"(?s)not published in /odmd-share.*{IDENTITY_BASE} .*identity-service-mock"
        ):
            resolve_enver(deployed_constellation, "mock")
    finally:
        ssm.put_parameter(Name=IDENTITY_BASE, Value=url, Type="String", Overwrite=True)


def test_an_invalid_artifact_is_one_clear_error(local, deployed_constellation, ssm):
    from odmd_bdd.aws import publish_artifact

    schema_url = "/odmd-share/jwks-service/b..mock/jwksApiBaseUrl/schema-url"
    good = ssm.get_parameter(Name=schema_url)["Parameter"]["Value"]
    bad = publish_artifact(
        local.aws_client("s3"),
        ssm,
        "jwks-service",
        "b..mock",
        "jwksApiBaseUrl",
        '{"paths": {}}',
        bucket="odmd-local-artifacts",
        account="123456789012",
        file_name="broken",
    )
    try:
        with pytest.raises(ContractError, match=f"{bad.rsplit('@', 1)[0]}: schema artifact has no odmdKind"):
            resolve_enver(deployed_constellation, "mock")
    finally:
        ssm.put_parameter(Name=schema_url, Value=good, Type="String", Overwrite=True)


# -- resolving from what another process read (aws/share.py ShareSnapshot) ------------------------


def _attached(local, constellation, share):
    from odmd_bdd.resolution.envers import EmbeddedAddress

    return resolve_enver(
        constellation, "local", attach=EmbeddedAddress(local.aws.endpoint_url, local.aws.region, share)
    )


def test_an_enver_resolved_from_its_share_snapshot_is_the_one_read_through_aws_with_no_call(
    local, reference_constellation, monkeypatch
):
    through_aws = _attached(local, reference_constellation, None)
    calls = record_aws_calls(monkeypatch)
    from_snapshot = _attached(local, reference_constellation, local.share)
    try:
        assert calls == []  # neither SSM nor S3: everything came from the snapshot
        assert from_snapshot.describe() == through_aws.describe()
        assert from_snapshot.web_client_url == local.web_client_url
        assert set(from_snapshot.event_contracts) == set(local.event_contracts)
        # The embedded AWS still carries the run's events.
        queue = from_snapshot.sqs().create_queue(QueueName="odmd-snapshot-probe")["QueueUrl"]
        from_snapshot.sqs().delete_queue(QueueUrl=queue)
        assert calls == ["CreateQueue", "DeleteQueue"]
    finally:
        through_aws.close()
        from_snapshot.close()


def test_the_snapshot_is_read_not_the_live_share(local, reference_constellation, ssm):
    """Proof that the snapshot path reads the snapshot: /odmd-share changed after it was taken."""
    good = ssm.get_parameter(Name=IDENTITY_BASE)["Parameter"]["Value"]
    ssm.put_parameter(Name=IDENTITY_BASE, Value="http://127.0.0.1:9/moved", Type="String", Overwrite=True)
    try:
        from_snapshot = _attached(local, reference_constellation, local.share)
        through_aws = _attached(local, reference_constellation, None)
        assert from_snapshot.service("identity-service").base_url == good
        assert through_aws.service("identity-service").base_url == "http://127.0.0.1:9/moved"
        assert through_aws.share.values[IDENTITY_BASE] == "http://127.0.0.1:9/moved"  # what it read, handed on
    finally:
        ssm.put_parameter(Name=IDENTITY_BASE, Value=good, Type="String", Overwrite=True)


def test_a_value_missing_from_the_snapshot_is_named_as_unpublished(local, reference_constellation):
    import dataclasses

    values = {name: value for name, value in local.share.values.items() if name != IDENTITY_BASE}
    with pytest.raises(EnverError) as caught:
        _attached(local, reference_constellation, dataclasses.replace(local.share, values=values))
    message = str(caught.value)
    assert "1 shared value(s) are not published in /odmd-share" in message
    assert IDENTITY_BASE in message
    assert f"the share read by the process hosting the embedded enver at {local.aws.endpoint_url}" in message


def test_an_artifact_missing_from_the_snapshot_names_its_s3_address(local, reference_constellation):
    import dataclasses

    schema_url = local.share.values["/odmd-share/jwks-service/b..mock/jwksApiBaseUrl/schema-url"]
    artifacts = {url: data for url, data in local.share.artifacts.items() if url != schema_url}
    with pytest.raises(ContractError, match=f"schema artifact {re.escape(schema_url)} cannot be fetched: not in"):
        _attached(local, reference_constellation, dataclasses.replace(local.share, artifacts=artifacts))
