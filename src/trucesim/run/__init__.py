"""Runs: many replications of a scenario, aggregated and written to a results directory.

- :mod:`.engine`: replications -> outcome records and chunk aggregates (no I/O);
- :mod:`.executors`: where chunks run (in-process, a local pool, Dask);
- :mod:`.stats`: exact streaming aggregation; :mod:`.summary`: summary.json and .md;
- :mod:`.runner`: a run end to end; :mod:`.output`: the only module that writes files;
  :mod:`.results`: reading a results directory back; :mod:`.manifest`: manifest.json;
- :mod:`.interrupt`: Ctrl-C in order; :mod:`.bench`: `trucesim bench`.
"""
