"""`python -m web` runs the `percorsi` command line."""

from .cli import main

main()
