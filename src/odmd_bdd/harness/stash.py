"""What the plugin keeps on pytest's config and items (pytest's Stash), under one set of keys."""

from __future__ import annotations

import pytest

from odmd_bdd.data.constellation import Constellation
from odmd_bdd.events.sqs import EventInbox
from odmd_bdd.redaction import Redactor
from odmd_bdd.resolution.envers import Enver

CONSTELLATION = pytest.StashKey[Constellation]()  # config: the project's constellation, loaded at configure
ENVER = pytest.StashKey[Enver]()  # config: the enver this process resolved
REDACTOR = pytest.StashKey[Redactor]()  # config: what no report may show
PHASE_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()  # item: "setup"/"call"/"teardown" -> report
INBOX = pytest.StashKey[EventInbox]()  # item: this scenario run's events
EVENTS_SHOWN = pytest.StashKey[int]()  # item: how many received events are attached to the report already
NOT_CHECKED_SHOWN = pytest.StashKey[tuple[int, int]]()  # item: (id of world, its not_checked notes shown on steps)
