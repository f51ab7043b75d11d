"""Reporting: the network's indicators, the activity heatmap, pseudonymised exports and
small-count suppression.

Imports reads, rules, the store and the shared modules; never commands or scheduling.
"""
