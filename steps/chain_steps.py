"""chain-service in domain words: links between entities, delegation, revocation."""

from pytest_bdd import parsers, then, when

from odmd_bdd.checks import expect

from .support import expect_fields, send


@when(parsers.parse("the user links {child} under {parent} with chain-service"))
def link_under(actor, dataset, constants, child, parent):
    send(actor, dataset, constants, "UC2.link_child_under_root", child_id=child, parent_id=parent)


@when(parsers.parse("the user delegates from {parent} to {child} with chain-service"))
def delegate(actor, dataset, constants, parent, child):
    send(actor, dataset, constants, "UC5.delegate_root_to_grandchild", child_id=child, parent_id=parent)


@then(parsers.parse("the link {link} joins {child} under {parent}"))
def link_joins(world, constants, link, child, parent):
    expect_fields(world.last, constants, "a link", link_id=link, child_id=child, parent_id=parent)


@then(parsers.parse("the link {link} is a delegation from {parent} to {child}"))
def delegation(world, constants, link, parent, child):
    expect_fields(
        world.last,
        constants,
        "a delegation",
        link_id=link,
        parent_id=parent,
        child_id=child,
        link_type="${LINK_TYPE_DELEGATION}",
    )


@when(parsers.parse("the user lists the links of {entity} with chain-service"))
def list_links(actor, dataset, constants, entity):
    send(actor, dataset, constants, "UC3.list_root_links", entity_id=entity)


@then(parsers.parse("the listed links are {links}"))
def listed_links(world, constants, links):
    answer = world.last
    expect.status_in(answer, range(200, 300), "a list of links")
    wanted = [constants.arg(name) for name in links.replace(" and ", ",").split(",")]
    got = [link.get("link_id") for link in answer.field("links")]
    if got != [w.value for w in wanted]:
        raise AssertionError(f"{answer.label}: links: expected {', '.join(w.describe() for w in wanted)}, got {got}")


@when(parsers.parse("the user revokes the link {link} for the reason {reason} with chain-service"))
def revoke_link(actor, dataset, constants, link, reason):
    send(actor, dataset, constants, "UC5.revoke_middle_link", link_id=link, reason=reason)


@then(parsers.parse("the link {link} is revoked"))
def link_revoked(world, constants, link):
    expect_fields(world.last, constants, "a revoked link", link_id=link, status="${LINK_STATUS_REVOKED}")
