"""The embedded enver over real HTTP on 127.0.0.1: routes from contracts, answers from the dataset."""

import time
import uuid

import httpx
import pytest

from odmd_bdd.checks.phase0 import choose_case, subset_score
from odmd_bdd.localenv import Fault
from odmd_bdd.localenv.runs import RunLog

UUID = "550e8400-e29b-41d4-a716-446655440001"


@pytest.fixture(scope="module")
def http():
    with httpx.Client(timeout=5, trust_env=False) as client:
        yield client


@pytest.fixture(scope="module")
def consts(reference_constellation):
    return reference_constellation.dataset.constants


def auth(consts):
    return {"Authorization": f"Bearer {consts['AUTH_JWT_TOKEN']}"}


def test_listens_on_loopback_only(local_enver):
    assert local_enver.url.startswith("http://127.0.0.1:")


def test_valid_login_is_answered_from_the_dataset(local_enver, http, consts):
    r = http.post(f"{local_enver.base_urls['identity-service']}/auth/login", json={"temp_token": consts["TEMP_TOKEN"]})
    assert r.status_code == 200
    assert r.json()["user_id"] == consts["USER_ID"] and r.json()["session_token"] == consts["AUTH_JWT_TOKEN"]


def test_unmatched_login_gets_the_datasets_fallback_error_case(local_enver, http):
    r = http.post(f"{local_enver.base_urls['identity-service']}/auth/login", json={"temp_token": "anything-else"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_temp_token"


@pytest.mark.parametrize(
    "body, issues",
    [
        ({"entity_id": UUID, "algorithm": "Ed25519"}, [("invalid_type", ["public_key"])]),
        ({"entity_id": 7, "algorithm": "Ed25519", "public_key": "A" * 40}, [("invalid_type", ["entity_id"])]),
        ({"entity_id": UUID, "algorithm": "Ed25519", "public_key": "A" * 40, "extra": 1}, [("unrecognized_keys", [])]),
        ({"entity_id": UUID, "algorithm": "Ed25519", "public_key": "short"}, [("too_small", ["public_key"])]),
    ],
)
def test_bad_bodies_are_rejected_with_zod_issues(local_enver, http, consts, body, issues):
    r = http.post(f"{local_enver.base_urls['key-service']}/key/register", json=body, headers=auth(consts))
    assert r.status_code == 400
    assert r.json()["name"] == "ZodError"
    assert [(i["code"], i["path"]) for i in r.json()["issues"]] == issues


def test_malformed_json_is_a_400(local_enver, http, consts):
    r = http.post(
        f"{local_enver.base_urls['key-service']}/key/register",
        content=b"{not json",
        headers={**auth(consts), "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["issues"][0]["message"] == "Malformed JSON body"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}])
def test_missing_or_wrong_bearer_token_is_a_401(local_enver, http, headers):
    r = http.post(f"{local_enver.base_urls['key-service']}/key/register", json={}, headers=headers)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"


def test_a_request_the_dataset_has_no_case_for_is_a_404(local_enver, http, consts):
    r = http.post(
        f"{local_enver.base_urls['identity-service']}/entity/read",
        json={"entity_id": "550e8400-e29b-41d4-a716-4466554400ee"},
        headers=auth(consts),
    )
    assert r.status_code == 404 and "no case" in r.json()["message"]


def test_cors_preflight_is_answered(local_enver, http):
    r = http.options(
        f"{local_enver.base_urls['key-service']}/key/register",
        headers={
            "Origin": "http://127.0.0.1:9",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] in ("*", "http://127.0.0.1:9")


def test_fault_plan_changes_answers_and_clears(clean_faults, http, consts):
    enver = clean_faults
    url = f"{enver.base_urls['identity-service']}/auth/login"
    enver.faults.add(Fault(operation="identity-service.login", set={"user_id": "user_wrong"}, remove=("expires_in",)))
    body = http.post(url, json={"temp_token": consts["TEMP_TOKEN"]}).json()
    assert body["user_id"] == "user_wrong" and "expires_in" not in body
    enver.faults.clear()
    assert http.post(url, json={"temp_token": consts["TEMP_TOKEN"]}).json()["user_id"] == consts["USER_ID"]


def test_fault_plan_over_http(clean_faults, http, consts):
    enver = clean_faults
    r = http.put(f"{enver.url}/_odmd/faults", json=[{"operation": "login", "status": 500, "body": {"oops": 1}}])
    assert r.status_code == 200 and r.json()[0]["status"] == 500
    r = http.post(f"{enver.base_urls['identity-service']}/auth/login", json={"temp_token": consts["TEMP_TOKEN"]})
    assert r.status_code == 500 and r.json() == {"oops": 1}
    assert http.put(f"{enver.url}/_odmd/faults", json=[{"nope": 1}]).status_code == 400
    assert http.delete(f"{enver.url}/_odmd/faults").json() == []


def test_most_specific_case_wins_and_type_matters(reference_constellation):
    assert subset_score({"a": 1, "b": {"c": "x"}}, {"a": 1, "b": {"c": "x", "d": 2}, "e": 3}) == 2
    assert subset_score({"a": 1}, {"a": True}) is None
    assert subset_score({"a": [1]}, {"a": [1, 2]}) is None
    ds = reference_constellation.dataset
    cases = ds.cases_for("identity-service", "login")
    consts = ds.constants
    assert choose_case(cases, {"body": {"temp_token": consts["TEMP_TOKEN"]}}).ref == "UC1.login"
    assert choose_case(cases, {"body": {"temp_token": "x"}}).ref == "UC1.login_with_wrong_temp_token"
    assert choose_case(ds.cases_for("key-service", "registerKey"), {"body": {}}) is None


def test_when_status_limits_a_fault_to_answers_of_that_status(clean_faults, http, consts):
    enver = clean_faults
    url = f"{enver.base_urls['key-service']}/key/register"
    enver.faults.add(Fault(operation="key-service.registerKey", when_status=400, status=200, body={"accepted": True}))
    bad = http.post(url, json={"entity_id": UUID}, headers=auth(consts))
    assert bad.status_code == 200 and bad.json() == {"accepted": True}
    good = http.post(
        url,
        json={"entity_id": UUID, "algorithm": "Ed25519", "public_key": consts["ROOT_PUBLIC_KEY"]},
        headers=auth(consts),
    )
    assert good.status_code == 201 and good.json()["key_id"] == consts["ROOT_KEY_ID"]


def test_delay_fault_makes_the_answer_late_enough_for_a_client_timeout(clean_faults, consts):
    enver = clean_faults
    enver.faults.add(Fault(operation="login", delay_s=2.0))
    with httpx.Client(timeout=0.3, trust_env=False) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            impatient.post(
                f"{enver.base_urls['identity-service']}/auth/login", json={"temp_token": consts["TEMP_TOKEN"]}
            )


def test_cors_fault_replaces_the_allowed_origin(clean_faults, http, consts):
    enver = clean_faults
    url = f"{enver.base_urls['identity-service']}/auth/login"
    origin = {"Origin": "http://127.0.0.1:1"}
    allowed = http.post(url, json={"temp_token": "x"}, headers=origin).headers
    assert allowed["access-control-allow-origin"] == "http://127.0.0.1:1"  # credentialed calls need it echoed
    assert allowed["access-control-allow-credentials"] == "true"
    enver.faults.add(Fault(operation="login", cors_origin="http://evil.invalid"))
    r = http.post(url, json={"temp_token": "x"}, headers=origin)
    assert r.headers["access-control-allow-origin"] == "http://evil.invalid"
    assert "x-odmd-fault-cors-origin" not in r.headers


def test_unknown_event_mode_is_refused():
    with pytest.raises(ValueError, match="event must be one of drop, malform"):
        Fault.from_dict({"operation": "login", "event": "explode"})


def test_an_enver_that_alters_its_answer_in_place_cannot_alter_the_expectations(reference_constellation, http, consts):
    from odmd_bdd.actors.base import Action, Observation
    from odmd_bdd.checks import expect
    from odmd_bdd.localenv import LocalEnver

    expected = reference_constellation.dataset.case("UC1.login")
    with LocalEnver(reference_constellation) as enver:
        # A faulty enver edits the answer it serves in place, in the data it answers from.
        enver.app.state.dataset.case("UC1.login").response["body"]["user_id"] = "user_99999_other"
        answer = http.post(
            f"{enver.base_urls['identity-service']}/auth/login", json={"temp_token": consts["TEMP_TOKEN"]}
        )

    assert answer.json()["user_id"] == "user_99999_other"
    assert expected.response["body"]["user_id"] == consts["USER_ID"]  # the harness's expectation is untouched
    seen = Observation("api", Action.from_case(expected, auth=None), answer.status_code, answer.json())
    with pytest.raises(AssertionError, match="user_id"):
        expect.matches_case(seen, expected)


def _poll_until(condition, failure: str, interval: float = 0.005, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(interval)  # poll: bounded by the deadline above


def _refused(url: str) -> bool:
    try:
        httpx.get(url, timeout=2, trust_env=False)
    except httpx.ConnectError:
        return True
    return False


def test_stop_lets_a_request_in_flight_answer_then_releases_the_port(reference_constellation, consts):
    """stop() does not wait for uvicorn's polling, but never cuts an answer short."""
    import threading

    from odmd_bdd.localenv import LocalEnver

    enver = LocalEnver(reference_constellation).start()
    login = f"{enver.base_urls['identity-service']}/auth/login"
    idle = httpx.Client(timeout=5, trust_env=False)  # a keep-alive connection left open, as a run's pool
    assert idle.post(login, json={"temp_token": consts["TEMP_TOKEN"]}).status_code == 200
    enver.faults.add(Fault(operation="login", delay_s=0.5))
    # the answered request's task ends just after its answer
    _poll_until(lambda: not enver._server.server_state.tasks, "the answered request's task did not end")
    answers: list[int] = []
    slow = threading.Thread(
        target=lambda: answers.append(
            httpx.post(login, json={"temp_token": consts["TEMP_TOKEN"]}, timeout=10, trust_env=False).status_code
        )
    )
    slow.start()
    _poll_until(lambda: enver._server.server_state.tasks, "the delayed request never reached the enver")
    enver.stop()
    slow.join(timeout=10)
    assert answers == [200]
    idle.close()
    assert _refused(login)


def test_the_date_header_keeps_time_while_the_enver_waits_to_be_stopped(local_enver, http):
    def date() -> str:
        return http.get(f"{local_enver.url}/_odmd/health").headers["date"]

    first = date()
    _poll_until(lambda: date() != first, f"the Date header stayed {first!r}", interval=0.05)  # refreshed each second


def test_each_run_keeps_its_own_state_on_a_shared_enver(local_enver, http, reference_constellation, consts):
    """A link made in one run is not there in another (the second link of a run is a conflict), nor in
    requests without a run id; however alike the run ids (scenario runs, two runs of one mutant)."""
    body = reference_constellation.dataset.case("UC2.link_child_under_root").request["body"]
    url = f"{local_enver.base_urls['chain-service']}/chain/link"
    common = uuid.uuid4().hex
    runs = (common[:15] + "1", common[:15] + "2", f"m0001~{common[:11]}a", f"m0001~{common[:11]}b")

    def link(run: str | None) -> int:
        headers = auth(consts) | ({"X-Odmd-Run": run} if run else {})
        return http.post(url, json=body, headers=headers).status_code

    link(None)  # requests without a run id share one anonymous run: it has linked now
    assert [link(run) for run in runs] == [201, 201, 201, 201]
    assert [link(run) for run in runs] == [409, 409, 409, 409]


def test_the_run_log_forgets_only_the_oldest_runs_beyond_its_bound():
    log = RunLog()
    log.record("first", "UC2.link_child_under_root")
    for n in range(1000):  # many runs sharing one long-lived enver, the first one still going
        log.record(f"run-{n}", "UC1.login")
    assert log.answered("first") == {"UC2.link_child_under_root"}
    bounded = RunLog(max_runs=2)
    for run in ("a", "b", "c"):
        bounded.record(run, "UC1.login")
    assert [bool(bounded.answered(run)) for run in ("a", "b", "c")] == [False, True, True]
