"""Envers whose services answer at explicit addresses: named as such, nothing embedded started
that they do not use, and an event bus only where one is named."""

from __future__ import annotations

import json
import shutil

import httpx
import pytest

from conftest import ROOT
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.errors import OdmdError
from odmd_bdd.events.sqs import ApiSender
from odmd_bdd.localenv import Fault, LocalEnver
from odmd_bdd.resolution.envers import resolve_enver


@pytest.fixture
def every_service_elsewhere(tmp_path, reference_constellation):
    """A base-URL file sending every service to a server of its own (an embedded enver standing in
    for a foreign one, started apart from the enver under test)."""
    with LocalEnver(reference_constellation) as foreign:
        urls = tmp_path / "urls.yaml"
        urls.write_text("base_urls:\n" + "".join(f"  {k}: {v}\n" for k, v in foreign.base_urls.items()))
        yield urls


def test_a_local_enver_with_every_service_elsewhere_starts_nothing_embedded(
    reference_constellation, every_service_elsewhere
):
    enver = resolve_enver(reference_constellation, "local", base_url_file=every_service_elsewhere)
    try:
        assert enver.local is None and enver.aws is None and enver.sqs() is None
        info = enver.describe()
        assert info["services_from"] == f"6 explicit (file {every_service_elsewhere})"
        assert info["answers"] == "6 explicit-address service(s): checked by their steps only (full applies to none)"
        assert all(info[f"{name}.base_url_source"] == f"file {every_service_elsewhere}" for name in enver.services)
    finally:
        enver.close()


def test_a_partly_foreign_enver_says_which_services_came_from_where_and_which_the_answers_mode_covers(
    reference_constellation, tmp_path
):
    urls = tmp_path / "urls.yaml"
    urls.write_text("base_urls:\n  identity-service: http://127.0.0.1:9/id\n")
    enver = resolve_enver(reference_constellation, "local", base_url_file=urls, probe=False)
    try:
        info = enver.describe()
        assert info["services_from"] == f"1 explicit (file {urls}), 5 from /odmd-share (embedded)"
        assert info["answers"] == (
            "full for 5 service(s) resolved from the enver (every answer compared with the dataset); "
            "1 explicit-address service(s): checked by their steps only"
        )
        assert not enver.service("key-service").explicit and enver.service("identity-service").explicit
        # the embedded enver hosts only what the run takes from it
        assert enver.local is not None and "identity-service" not in enver.local.hosted
        health = httpx.get(f"{enver.local.url}/_odmd/health", trust_env=False).json()
        assert "identity-service" not in health["services"] and "key-service" in health["services"]
        assert httpx.post(f"{enver.local.url}/identity-service/auth/login", json={}, trust_env=False).status_code == 404
    finally:
        enver.close()


def test_an_event_bus_named_for_an_enver_is_where_its_events_are_read(tmp_path, every_service_elsewhere):
    from odmd_bdd.aws import EmbeddedAws

    with EmbeddedAws(preload=("sqs",)) as bus:
        copy = tmp_path / "project"
        shutil.copytree(ROOT / "fixtures", copy / "fixtures")
        path = copy / "fixtures" / "envers" / "constellation.yaml"
        path.write_text(
            path.read_text(encoding="utf-8") + f"\n  foreign:\n    revision: b..foreign\n    event_bus:\n"
            f"      endpoint_url: {bus.endpoint_url}\n      region: {bus.region}\n",
            encoding="utf-8",
        )
        constellation = Constellation.load(path)
        enver = resolve_enver(constellation, "foreign", base_url_file=every_service_elsewhere)
        try:
            sqs = enver.sqs()
            assert sqs is not None and sqs.meta.endpoint_url == bus.endpoint_url
            sqs.create_queue(QueueName="odmd-bus-check")
            assert any(url.endswith("/odmd-bus-check") for url in sqs.list_queues()["QueueUrls"])
        finally:
            enver.close()


def _bus_constellation(tmp_path, bus, queues: str = "") -> Constellation:
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "fixtures", copy / "fixtures", dirs_exist_ok=True)
    path = copy / "fixtures" / "envers" / "constellation.yaml"
    path.write_text(
        (ROOT / "fixtures" / "envers" / "constellation.yaml").read_text(encoding="utf-8")
        + f"\n  foreign:\n    revision: b..foreign\n    event_bus:\n"
        f"      endpoint_url: {bus.endpoint_url}\n      region: {bus.region}\n{queues}",
        encoding="utf-8",
    )
    return Constellation.load(path)


def test_an_event_bus_with_named_queues_reads_each_channel_from_its_named_queue(tmp_path, every_service_elsewhere):
    """event_bus.queues: a channel -> the queue (by name, or by URL) the services publish it to;
    the inbox reads it as it is and neither creates nor deletes it."""
    from odmd_bdd.aws import EmbeddedAws
    from odmd_bdd.events.sqs import EventInbox, MessageIndex
    from odmd_bdd.harness.run_enver import open_inbox

    with EmbeddedAws(preload=("sqs",)) as bus:
        sqs = bus.client("sqs")
        by_name = sqs.create_queue(QueueName="team-key-registered")["QueueUrl"]
        by_url = sqs.create_queue(QueueName="team-signatures")["QueueUrl"]
        queues = (
            "      queues:\n        key-service.key-registered: team-key-registered\n"
            f"        key-service-signature-completed: {by_url}\n"
        )
        enver = resolve_enver(
            _bus_constellation(tmp_path, bus, queues), "foreign", base_url_file=every_service_elsewhere
        )
        try:
            assert enver.event_queues == {
                "key-service.key-registered": "team-key-registered",
                "key-service-signature-completed": by_url,
            }
            node = type("Node", (), {"stash": pytest.Stash()})()
            inbox = open_inbox(node, enver, MessageIndex(enver.event_contracts), "run-1")
            assert isinstance(inbox, EventInbox)
            sqs.send_message(QueueUrl=by_name, MessageBody=json.dumps({"key_id": "k-1"}))
            sqs.send_message(QueueUrl=by_url, MessageBody=json.dumps({"session_id": "s-1"}))
            found, _ = inbox.wait_for("KeyRegistered", lambda p: p.get("key_id") == "k-1", timeout=10)
            assert found is not None and found.queue == "team-key-registered"
            found, _ = inbox.wait_for("SignatureCompleted", lambda p: p.get("session_id") == "s-1", timeout=10)
            assert found is not None and found.queue == by_url
            inbox.close()
            left = sqs.list_queues()["QueueUrls"]
            assert by_name in left and by_url in left  # the services' queues stay
            assert not any("--" in url for url in left)  # no per-run queue was made
        finally:
            enver.close()


def test_a_named_queue_of_no_channel_or_that_does_not_exist_is_one_clear_error(tmp_path, every_service_elsewhere):
    from odmd_bdd.aws import EmbeddedAws
    from odmd_bdd.events.sqs import EventInbox, MessageIndex

    with EmbeddedAws(preload=("sqs",)) as bus:
        typo = "      queues:\n        key-service.key-registred: team-key-registered\n"
        with pytest.raises(
            OdmdError, match="event_bus queues names no channel of the contracts: key-service.key-registred"
        ):
            resolve_enver(_bus_constellation(tmp_path, bus, typo), "foreign", base_url_file=every_service_elsewhere)
        absent = "      queues:\n        key-service.key-registered: no-such-queue\n"
        enver = resolve_enver(
            _bus_constellation(tmp_path, bus, absent), "foreign", base_url_file=every_service_elsewhere
        )
        try:
            inbox = EventInbox(enver.sqs(), MessageIndex(enver.event_contracts), "run-1", named=enver.event_queues)
            with pytest.raises(
                OdmdError, match=f"event_bus queue 'no-such-queue' cannot be found at {bus.endpoint_url}"
            ):
                inbox.wait_for("KeyRegistered", lambda p: True, timeout=1)
        finally:
            enver.close()
    with pytest.raises(OdmdError, match="event_bus queues must map a channel"):
        _bus_constellation(tmp_path, bus, "      queues: [a, b]\n")


def test_an_event_bus_without_a_region_is_one_clear_error(tmp_path):
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    path = tmp_path / "fixtures" / "envers" / "constellation.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n  foreign:\n    event_bus:\n      endpoint_url: http://127.0.0.1:9\n",
        encoding="utf-8",
    )
    with pytest.raises(OdmdError, match=r"enver foreign: event_bus needs region"):
        Constellation.load(path)


UC1 = "features/uc1_authentication_key_entity.feature"
SMOKE = "logs_in_registers_the_root_key"  # a scenario with two event steps


@pytest.fixture
def foreign_with_bus(reference_constellation):
    """Services running apart from the enver under test, publishing their events to an SQS of their own."""
    from odmd_bdd.aws import EmbeddedAws

    with (
        EmbeddedAws(preload=("sqs",)) as bus,
        LocalEnver(reference_constellation, events=ApiSender(bus.client("sqs"))) as foreign,
    ):
        yield foreign, bus


def _urls(project, foreign) -> str:
    (project.path / "urls.yaml").write_text(
        "base_urls:\n" + "".join(f"  {k}: {v}\n" for k, v in foreign.base_urls.items())
    )
    return "urls.yaml"


@pytest.mark.parametrize("layer", ["api", "gui"])
def test_without_an_event_bus_event_steps_are_reported_not_checked_never_passed(project, foreign_with_bus, layer):
    foreign, _ = foreign_with_bus
    urls = _urls(project, foreign)
    result = project.runpytest_subprocess(
        UC1, "-k", SMOKE, "--layer", layer, "--base-urls", urls, "--web-client-url", foreign.web_client_url, "-rs",
        "--alluredir", "allure-results",
    )  # fmt: skip
    result.assert_outcomes(skipped=1)
    out = result.stdout.str()
    assert out.count("no event bus: every service is at an explicit address") >= 1
    assert out.count("event steps are reported as not checked") == 1  # said once, at the start
    result.stdout.fnmatch_lines(["NOT CHECKED*not checked: KeyRegistered event for ${ROOT_KEY_ID} (no event bus*"])
    assert "passed" not in out.splitlines()[-1]
    # without -rs too: a section of its own names every not-checked scenario and why
    result.stdout.fnmatch_lines(
        ["*1 scenario(s) not checked (not passed)*", f"NOT CHECKED *{SMOKE}*: not checked: KeyRegistered event*"]
    )
    junit = (project.path / "reports" / "junit.xml").read_text(encoding="utf-8")
    assert "<skipped" in junit and "not checked: KeyRegistered event" in junit

    # Allure: the scenario is skipped, and so is each event step, with its reason; no event step passed
    (scenario,) = [
        json.loads(path.read_text(encoding="utf-8")) for path in (project.path / "allure-results").glob("*-result.json")
    ]
    assert scenario["status"] == "skipped"
    assert "not checked: KeyRegistered event" in scenario["statusDetails"]["message"]
    event_steps = [step for step in scenario["steps"] if " event is published for " in step["name"]]
    assert len(event_steps) == 2  # KeyRegistered, EntityCreated
    for step in event_steps:
        assert step["status"] == "skipped", step
        assert step["statusDetails"]["message"].startswith("not checked: ")
        assert "event for" in step["statusDetails"]["message"]
        assert "(no event bus" in step["statusDetails"]["message"]
    others = [step for step in scenario["steps"] if step not in event_steps]
    assert others and all(step["status"] == "passed" for step in others)


@pytest.mark.parametrize("layer", ["api", "gui"])
def test_with_an_event_bus_named_event_steps_are_checked(project, foreign_with_bus, layer):
    foreign, bus = foreign_with_bus
    path = project.path / "fixtures" / "envers" / "constellation.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + f"\n  foreign:\n    revision: b..foreign\n    event_bus:\n"
        f"      endpoint_url: {bus.endpoint_url}\n      region: {bus.region}\n",
        encoding="utf-8",
    )
    urls = _urls(project, foreign)
    args = (UC1, "-k", SMOKE, "--layer", layer, "--enver", "foreign", "--base-urls", urls)
    result = project.runpytest_subprocess(*args, "--web-client-url", foreign.web_client_url)
    result.assert_outcomes(passed=1)

    foreign.faults.replace([Fault(operation="key-service.registerKey", event="drop")])  # now the event never comes
    result = project.runpytest_subprocess(*args, "--web-client-url", foreign.web_client_url, "--event-timeout", "1")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no KeyRegistered event for ${ROOT_KEY_ID}*"])
