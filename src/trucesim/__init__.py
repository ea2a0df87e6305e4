"""trucesim: a discrete-event simulation of a negotiated truce.

Outputs are illustrative model results under a scenario's stated assumptions, not
forecasts.
"""

__version__ = "0.1.0"
