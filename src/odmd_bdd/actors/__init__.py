"""Actors carry out domain actions on one layer and report observations.

The API actor calls the service directly; the GUI actor (Playwright) drives the web
client. Both return an `Observation` with the same field names, so Then-steps never need
to know which layer ran.
"""

from odmd_bdd.actors.api import ApiActor
from odmd_bdd.actors.base import NO_AUTH, SESSION, Action, Actor, Observation, World

__all__ = ["NO_AUTH", "SESSION", "Action", "Actor", "ApiActor", "Observation", "World"]
