"""Percorsi's engine: BPMN cases persisted on SpiffWorkflow. No Flask here."""

from engine.actors import SYSTEM, Actor
from engine.core import Engine
from engine.settings import Settings

__all__ = ["SYSTEM", "Actor", "Engine", "Settings"]
