"""Percorsi's engine: BPMN cases persisted on SpiffWorkflow. No Flask here."""

from .actors import SYSTEM, Actor
from .core import Engine
from .settings import Settings

__all__ = ["SYSTEM", "Actor", "Engine", "Settings"]
