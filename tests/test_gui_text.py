"""The rendering rule (docs/WEB_CLIENT_CONVENTION.md, "What the page shows") as the GUI text checks
apply it: which visible texts render which wire values, and the problem each wrong text is."""

from __future__ import annotations

import pytest

from odmd_bdd.checks import gui_text
from odmd_bdd.checks.problems import REGISTRY, lines


@pytest.mark.parametrize(
    "text, value",
    [
        ("user_12345_system", "user_12345_system"),
        ("  a \n  b ", "a b"),  # compared collapsed: innerText's line breaks and spacing do not count
        ("", ""),
        ("3600", 3600),
        ("1", 1.0),  # any JSON notation of the same number (JSON.stringify writes 1)
        ("1.5e3", 1500),
        ("true", True),
        ("false", False),
        ("null", None),
        ('["read","write"]', ["read", "write"]),
        ('[ "read",\n  "write" ]', ["read", "write"]),  # any spacing
        ("{}", {}),
        ('{"a": {"b": 1}}', {"a": {"b": 1}}),
        ("[]", []),
    ],
)
def test_a_text_that_renders_the_value(text, value):
    assert gui_text.renders(text, value)


@pytest.mark.parametrize(
    "text, value",
    [
        ("undefined", "user_12345_system"),
        ("[object Object]", {"email": "a@b.test"}),
        ("", "user_12345_system"),
        ("", None),  # null is shown as null, never as nothing
        ("—", None),
        ('"user_12345_system"', "user_12345_system"),  # no quotes
        ("3,600", 3600),
        ("3600", "3601"),
        ("true", 1),
        ("1", True),
        ("3600", "x"),
        ("NaN", 1),
        ("null", "x"),
        ('["read"]', ["read", "write"]),
        ('{"a":1}', [{"a": 1}]),
        (None, "x"),  # an element that is not rendered shows nothing
        (None, ""),
    ],
)
def test_a_text_that_does_not(text, value):
    assert not gui_text.renders(text, value)


@pytest.mark.parametrize("mask", ["•••", "•••••• (hidden)", "****", "********"])
def test_a_credential_may_be_masked_unless_it_is_null_or_empty(mask):
    assert gui_text.renders(mask, "tok_123", credential=True)
    assert gui_text.renders(mask, {"k": 1}, credential=True)
    assert not gui_text.renders(mask, "tok_123")  # only a credential field may be masked
    assert not gui_text.renders(mask, None, credential=True)
    assert not gui_text.renders(mask, "", credential=True)
    assert gui_text.renders("tok_123", "tok_123", credential=True)  # showing the value is right too
    assert not gui_text.renders("••", "tok_123", credential=True)


def test_a_wrong_text_is_a_problem_naming_the_field_the_text_and_the_wire_value():
    [problem] = gui_text.field("user_id", "undefined", "user_12345_system")
    assert (problem.code, problem.where) == ("gui_text.field", "user_id")
    assert str(problem) == 'user_id: the page shows "undefined", the service answered "user_12345_system"'
    [hidden] = gui_text.field("expires_in", None, 3600)
    assert str(hidden) == "expires_in: the page shows nothing (the element is not rendered), the service answered 3600"
    [stale] = gui_text.field("entity_id", "ent_1", "ent_2", previous="ent_1")
    assert str(stale).endswith('the service answered "ent_2" (the text it showed for the previous answer)')


def test_a_credentials_value_is_never_printed_and_its_text_only_when_it_cannot_be_one():
    [blank] = gui_text.field("session_token", "", "tok_secret", credential=True)
    assert str(blank) == 'session_token: the page shows "" (no text), the service answered a credential (not printed)'
    [other] = gui_text.field("session_token", "tok_previous", "tok_secret", credential=True)
    assert "tok_" not in str(other)
    assert "12 characters (not printed: a credential field)" in str(other)


def test_an_object_shown_as_nested_elements_needs_one_per_key():
    profile = {"email": "a@b.test", "locale": "en"}
    assert (
        gui_text.field("profile", "email a@b.test locale en", profile, nested={"profile.email", "profile.locale"}) == []
    )
    [problem] = gui_text.field("profile", "email a@b.test", profile, nested={"profile.email"})
    assert (problem.code, str(problem)) == (
        "gui_text.field.nested",
        "profile: the page shows the object as nested elements but has none for profile.locale",
    )
    # without nested elements, the object's own text must be its JSON
    assert gui_text.field("profile", '{"email":"a@b.test","locale":"en"}', profile) == []
    assert len(gui_text.field("profile", "[object Object]", profile)) == 1


def test_the_status_text_starts_with_the_code_and_an_issue_text_contains_its_message():
    assert gui_text.status("201 Created", 201) == [] and gui_text.status("201", 201) == []
    [wrong] = gui_text.status("201 Created", 409, previous="201 Created")
    assert str(wrong) == (
        'status: the page shows "201 Created", the service answered 409 (the text it showed for the previous answer)'
    )
    assert len(gui_text.status("2010", 201)) == 1 and len(gui_text.status(None, 201)) == 1
    issue = {"code": "invalid_type", "path": ["public_key"], "message": "Required"}
    assert gui_text.issue(0, "public_key: Required", issue) == []
    [bad] = gui_text.issue(0, "public_key: undefined", issue)
    assert str(bad) == 'issues[0]: the page shows "public_key: undefined", the service answered "Required"'
    assert gui_text.issue(1, "invalid_type", {"code": "invalid_type"}) == []  # no message: its code
    assert len(gui_text.issue(0, "", {})) == 1


def test_one_answer_is_checked_field_by_field_in_path_order():
    problems = gui_text.answer(
        "200 OK",
        200,
        {"user_id": ("undefined", "u1"), "expires_in": ("3600", 3600), "session_token": ("••••", "t")},
        [],
        shown={"user_id", "expires_in", "session_token"},
        credential=lambda path: "token" in path,
        previous={gui_text.STATUS: "401 Unauthorized", "user_id": "undefined"},
    )
    assert lines(problems) == [
        'user_id: the page shows "undefined", the service answered "u1" (the text it showed for the previous answer)'
    ]
    assert REGISTRY["gui_text.answer"] is gui_text.answer
