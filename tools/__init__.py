"""Developer tools: generators of the bundled models (never imported by the app)."""
