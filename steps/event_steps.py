"""Events in domain words: what a step published, checked against AsyncAPI and the dataset.

Then a KeyRegistered event is published for ${ROOT_KEY_ID}
"""

from pytest_bdd import parsers, then

from odmd_bdd.checks import expect


@then(parsers.parse("a {message} event is published for {value}"))
@then(parsers.parse("an {message} event is published for {value}"))
def event_published(events, dataset, constants, event_timeout, world, message, value):
    """Waits (long polling, up to --event-timeout) for the event on this run's queue. Without an
    event bus the step is noted as not checked, and the scenario ends skipped, never passed."""
    if not events.available:
        world.not_checked.append(f"{message} event for {value} ({events.reason})")
        return
    expect.event_published(events, dataset, message, constants.arg(value), event_timeout)
