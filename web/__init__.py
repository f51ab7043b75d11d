"""Percorsi's adapters: the Flask app (API and UI) and the `percorsi` command line."""
