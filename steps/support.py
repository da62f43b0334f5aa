"""Helpers shared by the domain step modules (not a step module itself)."""

from odmd_bdd.actors import SESSION, Action
from odmd_bdd.checks import expect


def send(actor, dataset, constants, ref, *, auth=SESSION, **args):
    """Perform dataset case `ref`, replacing fields with step arguments (`${NAME}` resolved)."""
    overrides = {name: constants.arg(value).value for name, value in args.items()}
    return actor.perform(Action.from_case(dataset.case(ref), auth=auth, **overrides))


def expect_fields(answer, constants, meaning, **fields):
    """A 2xx answer whose fields equal the given step arguments (dotted paths use __)."""
    expect.status_in(answer, range(200, 300), meaning)
    for name, value in fields.items():
        expect.field_equals(answer, name.replace("__", "."), constants.arg(value))
