"""Generated mutants (issue 13 item 11): derived from the contracts and the dataset, planted all
at once on one enver keyed by run id, and run against the scenarios that exercise them."""

import collections
import re
import tempfile

import httpx

from odmd_bdd.localenv import ClientFault, Fault
from odmd_bdd.tools.mutants.generate import CLASSES, Mutant, generate, observable
from odmd_bdd.tools.mutants.run import markdown, run_mutants


def test_hundreds_of_mutants_of_every_class_each_keyed_to_its_case_and_runs(reference_constellation):
    mutants = generate(reference_constellation)
    assert len(mutants) >= 500
    assert set(collections.Counter(m.kind for m in mutants)) == set(CLASSES)
    assert len({m.id for m in mutants}) == len(mutants)
    for m in mutants:
        assert bool(m.fault) != bool(m.client)  # one planted fault: the enver's or the web client's
        if m.fault:
            fault = Fault.from_dict(m.fault)
            assert fault.run == m.id and fault.case == m.case
        else:
            assert ClientFault.from_dict(m.client).run == m.id and not observable(m.kind, "api")
        assert m.case in reference_constellation.dataset.cases


def test_a_run_keyed_fault_changes_only_the_answers_of_its_runs(local_enver, clean_faults, reference_constellation):
    local_enver.faults.replace([Fault.from_dict({"operation": "login", "run": "m0001", "set": {"user_id": "other"}})])
    token = reference_constellation.dataset.constants["TEMP_TOKEN"]
    url = local_enver.base_urls["identity-service"] + "/auth/login"

    def user(run):
        return httpx.post(url, json={"temp_token": token}, headers={"X-Odmd-Run": run}).json()["user_id"]

    assert user("m0001~abc") == "other"
    assert user("m00012~abc") != "other" and user("m0002~abc") != "other" and user("plain") != "other"


def test_a_run_keyed_client_fault_is_served_only_to_the_pages_of_its_runs(local_enver, clean_faults):
    planted = ClientFault(kind="hide", operation="login", field="user_id", run="m0001")
    local_enver.web_client.faults.replace([planted])
    try:

        def served(run):
            return httpx.get(local_enver.web_client_url + "config.json", headers={"X-Odmd-Run": run}).json()["faults"]

        assert served("m0001~abc") == [planted.to_dict()]
        assert served("m00012~abc") == [] and served("plain") == []
    finally:
        local_enver.web_client.faults.clear()


def test_a_sample_of_mutants_is_killed_and_a_no_op_mutant_survives(
    project, reference_constellation, tmp_path, monkeypatch
):
    """Two mutants per class on the API layer, plus one that changes nothing: the runner must
    count the sample killed and that one survived (a runner that cannot see a survivor proves nothing).
    It says so as it goes: one `[done/total]` line per mutant while the layer's run is still going."""
    mutants = generate(reference_constellation)
    sample = []
    for kind in CLASSES:
        sample += [m for m in mutants if m.kind == kind and m.case.startswith("UC1.")][:2]
    login = reference_constellation.dataset.case("UC1.login")
    no_op = Mutant(
        "m9999",
        "field another constant",
        "UC1.login",
        "identity-service.login",
        "user_id set to itself",
        {
            "operation": "identity-service.login",
            "case": "UC1.login",
            "run": "m9999",
            "set": {"user_id": login.response["body"]["user_id"]},
        },
    )
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where run_mutants' pytest writes its junit
    said = []

    def progress(line):
        reports = list(tmp_path.glob("odmd-mutants-*/api.xml"))  # written when the layer's run ends
        said.append((line, bool(reports)))

    result = run_mutants(project.path, [*sample, no_op], {"api": None}, workers=1, progress=progress)
    api = result.layers["api"]
    told = [(line, run_over) for line, run_over in said if re.match(r"\[\d+/\d+\] api: m\d{4} ", line)]
    ran_ids = set(api.killed) | api.survived
    assert [line.split()[2] for line, _ in told] and sorted(line.split()[2] for line, _ in told) == sorted(ran_ids)
    assert [line.split()[0] for line, _ in told] == [f"[{n}/{len(ran_ids)}]" for n in range(1, len(ran_ids) + 1)]
    assert not told[0][1], "the first mutant is told before the layer's run has ended"
    assert "api: m9999 survived (field another constant, UC1.login)" in [line.split("] ", 1)[1] for line, _ in told]
    for mutant in api.killed:
        assert any(f"api: {mutant} killed (" in line for line, _ in told)
    ran = set(api.killed) | api.survived
    assert api.survived == {"m9999"}
    uc1 = ("UC1.login", "UC1.register_root_key", "UC1.create_root_entity")
    assert ran >= {m.id for m in sample if m.case in uc1 and observable(m.kind, "api")}
    assert not ran & {m.id for m in sample if not observable(m.kind, "api")}  # CORS: the browser's
    assert len(api.killed) >= 2 * sum(observable(kind, "api") for kind in CLASSES) - 2
    report = markdown(result)
    assert "| answer wrong CORS origin | n/a (only a browser enforces CORS) |" in report
    assert "- [api] m9999 field another constant: UC1.login user_id set to itself" in report


def test_a_gui_sample_kills_what_only_a_browser_sees(project, reference_constellation):
    """On the GUI layer: a wrong CORS origin and web client bugs (which the API layer cannot observe),
    and a wrong field."""
    mutants = generate(reference_constellation)
    picks = [
        next(m for m in mutants if m.kind == kind and m.case == "UC1.login")
        for kind in (
            "answer wrong CORS origin",
            "field another constant",
            *(k for k in CLASSES if k.startswith("gui ")),
        )
    ]
    result = run_mutants(project.path, picks, {"gui": None}, workers=1, progress=lambda line: None)
    gui = result.layers["gui"]
    stale = next(m for m in picks if m.kind == "gui field stale text")
    # every scenario answers login once: a stale text has nothing to keep, so that mutant is not run
    assert set(gui.killed) == {m.id for m in picks} - {stale.id} and not gui.survived
    assert "Equivalent (a stale text shows only where the scenario has another answer" in markdown(result)
