"""Everything that touches SpiffWorkflow lives here; the rest of the engine uses these names."""

from .clock import frozen_now
from .instance import Failure, Instance, ReadyTask
from .parsing import ParsedProcess, load_xml
from .properties import (
    TaskProperties,
    parse_escalation,
    parse_properties,
    resolve_form,
    task_properties,
)
from .runtime import Runtime, Specs
from .scripting import ScriptError

__all__ = [
    "Failure",
    "Instance",
    "ParsedProcess",
    "ReadyTask",
    "Runtime",
    "ScriptError",
    "Specs",
    "TaskProperties",
    "frozen_now",
    "load_xml",
    "parse_escalation",
    "parse_properties",
    "resolve_form",
    "task_properties",
]
