"""Events in domain words: what a step published, checked against AsyncAPI and the dataset.

Then a KeyRegistered event is published for ${ROOT_KEY_ID}
"""

from pytest_bdd import parsers, then

from odmd_bdd.events import published


@then(parsers.parse("a {message} event is published for {value}"))
@then(parsers.parse("an {message} event is published for {value}"))
def event_published(events, dataset, constants, event_timeout, world, enver, message, value):
    """Waits (long polling, up to --event-timeout) for the event on this run's queue. Without an
    event bus the step is noted as not checked, and the scenario ends skipped, never passed. On a
    mock enver the event must be exactly one the scenario's answered cases declare, and arrive once."""
    if not events.available:
        world.not_checked.append(f"{message} event for {value} ({events.reason})")
        return
    service = events.messages.get(message).service
    known = world.case_answers is not None and enver.service(service).source.startswith("share")
    answered = world.case_answers if known else None
    published.event_published(events, dataset, message, constants.arg(value), event_timeout, answered)
