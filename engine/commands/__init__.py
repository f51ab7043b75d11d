"""Commands: every use case that changes a case, a task, a model or an account, one
transaction each.

Imports rules, notices, the store, the SpiffWorkflow adapter and the shared modules; never reads,
reporting or scheduling.
"""
