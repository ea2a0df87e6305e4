"""`python -m trucesim`: the `trucesim` command."""

from trucesim.cli import main

main()
