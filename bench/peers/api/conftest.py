"""Fixtures of the plain pytest-bdd peer: where the enver is, one pooled HTTP client, the
contracts' validators (compiled once), the dataset, SQS, and one scenario's state.

The enver is the running embedded one: PEER_ENVER names the state file `odmd-bdd local-enver`
writes (.odmd/enver.json: the services' origin, the embedded AWS endpoint and region).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest
from support import DATASET, SERVICES, Contracts, Dataset, Scenario


@pytest.fixture(scope="session")
def enver() -> dict[str, str]:
    state = os.environ.get("PEER_ENVER")
    if not state:
        pytest.exit("PEER_ENVER: the .odmd/enver.json of a running `odmd-bdd local-enver`", returncode=4)
    return json.loads(Path(state).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def http():
    with httpx.Client(timeout=10.0, trust_env=False) as client:
        yield client


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    return Dataset(DATASET)


@pytest.fixture(scope="session")
def contracts() -> Contracts:
    return Contracts(SERVICES)


@pytest.fixture(scope="session")
def sqs(enver):
    """The embedded AWS's SQS (only scenarios that check an event ask for it)."""
    import boto3

    return boto3.client(
        "sqs",
        endpoint_url=enver["endpoint_url"],
        region_name=enver["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def scenario() -> Scenario:
    return Scenario()
