"""Domain rules shared by commands and reads: who may see what, the audit chain, advancing a
case and keeping its worklist, start forms, what changed between model versions.

Imports the store, the SpiffWorkflow adapter, notices and the shared modules; never commands,
reads, reporting or scheduling.
"""
