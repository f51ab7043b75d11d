"""Scheduling: firing BPMN timers, the escalation ladder, the scheduler loop and its lease.

The outermost layer of the engine: it may import commands, rules, notices, the store and the
shared modules; nothing in the engine imports it.
"""
