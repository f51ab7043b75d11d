"""The SpiffWorkflow adapter: the parser, the sandboxed script engine, the serializer, and the
model bundle's files (BPMN, DMN, JSON Schema forms) checked at deploy.

The only package that imports SpiffWorkflow; it imports nothing of the engine but the shared
modules (errors, durations). The rest of the engine uses the names exported here.
"""

from engine.spiff.clock import frozen_now
from engine.spiff.instance import Failure, Instance, ReadyTask
from engine.spiff.layout import with_diagram
from engine.spiff.parsing import ParsedProcess, load_xml
from engine.spiff.properties import (
    TaskProperties,
    parse_escalation,
    parse_properties,
    resolve_form,
    task_properties,
)
from engine.spiff.runtime import Runtime, Specs
from engine.spiff.scripting import ScriptError

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
    "with_diagram",
]
