"""Each phase's items for one service: the checks of `items`, rendered by `render`."""

from __future__ import annotations

from pathlib import Path

from odmd_bdd.checks.problems import Problem
from odmd_bdd.tools.checkpoint import render
from odmd_bdd.tools.checkpoint.context import ProbeContext
from odmd_bdd.tools.checkpoint.items import (
    artifact_valid,
    base_url_published,
    base_url_reachable,
    invalid_request,
    projection,
    real_answers,
    real_events,
    schema_artifact,
    valid_request,
)
from odmd_bdd.tools.checkpoint.items.schema_artifact import FetchedDoc
from odmd_bdd.tools.checkpoint.model import Item


def phase_0a(ctx: ProbeContext, service: str) -> tuple[list[Item], list[FetchedDoc]]:
    """The base URL in /odmd-share and reachable, the schema artifact at its exact S3 version;
    and the artifacts fetched (none when the share could not be read)."""
    published = base_url_published.check(ctx, service)
    reachable = base_url_reachable.check(ctx, service)
    schema = schema_artifact.check(ctx, service)
    items = [
        render.base_url_published_item(published),
        render.base_url_reachable_item(reachable),
        render.schema_artifact_item(schema),
    ]
    return items, schema.docs


def phase_0b(
    ctx: ProbeContext,
    service: str,
    docs: list[FetchedDoc],
    example_problems: list[Problem],
    projection_text: str | None,
    projection_error: str | None,
    existing: Path | None,
) -> list[Item]:
    """The artifact, an invalid and the valid requests, the dataset's projection (the BDD items
    come from the feature run, `tools.checkpoint.bdd`)."""
    return [
        render.artifact_valid_item(artifact_valid.check(ctx, service, docs)),
        render.invalid_request_item(invalid_request.check(ctx, service)),
        render.valid_request_item(ctx, valid_request.check(ctx, service)),
        render.projection_item(
            projection.check(ctx, service, example_problems, projection_text, projection_error, existing)
        ),
    ]


def phase_1a(ctx: ProbeContext, service: str) -> list[Item]:
    """Answers and events that are no longer the mock dataset's."""
    return [
        render.real_answers_item(real_answers.check(ctx, service)),
        render.real_events_item(real_events.check(ctx, service)),
    ]
