"""Reads: the worklist, cases, audit trails, models, incidents and overdue tasks, scoped to
the actor.

Imports rules, the store, the SpiffWorkflow adapter and the shared modules; never commands,
reporting or scheduling.
"""
