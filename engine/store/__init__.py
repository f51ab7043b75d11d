"""The store: tables, database connections, the unit of work, row locks, paging, migrations.

Imports only the shared modules (errors, settings) and the SpiffWorkflow adapter, whose runtime
the unit of work hands to commands. Nothing here commits on its own: use cases do.
"""
