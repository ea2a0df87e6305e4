"""The truce as simpy processes over a block of replications, one module per actor
(DESIGN.md §2, "The batched engine").

- :mod:`.actors`: the registry, and one module per actor (its draws, processes, outcome
  fields, daily series and typed events);
- :mod:`.declare`: what an actor declares; :mod:`.events`: what events share;
- :mod:`.state`: a block's state as arrays, the truce's status and the clock's conventions;
- :mod:`.agenda`: the steps due on given days, per replication;
- :mod:`.streams`: named random streams per block of replications; :mod:`.sampling`;
- :mod:`.outcomes`: the outcome registry; :mod:`.run`: one block of replications.
"""
