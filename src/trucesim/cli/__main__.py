"""`python -m trucesim.cli`: the `trucesim` command."""

from trucesim.cli import main

main()
