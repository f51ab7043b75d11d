"""Notices: who hears about what, the transactional outbox, e-mail, in-app notifications.

Imports the store, the composition root (delivery opens its own transactions) and the shared
modules; never rules, commands or reads.
"""
