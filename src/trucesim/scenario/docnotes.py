"""The prose of docs/scenario-format.md's sections on the terms a file adds to a table
(:mod:`.docgen` puts each before its section's table of keys)."""

STAGES = """\
A stage may be **late**: with chance `late_probability` it comes a geometric number of
days (mean `late_mean_days`, at least one) after the day it is due, and a stage still
waiting at the end of the window is never reached (`day_withdrawal_<name>` is empty).
It may be **partial**: on the day it is reached, where `kept_if` holds (or always, if it
is empty), the army does not make `kept_share` of the pull-back (1 = the stage refused)
and keeps those positions to the horizon. Both are off by default. When a stage uses
either, the outcome `withdrawal_kept_share_end` reports the share of Gaza held beyond
the agreed line of the stages reached at the end (0 after a collapse, when the earlier
lines return). `scenarios/withdrawal-kept.toml` shows both:

```toml
[[withdrawal.stages]]
name = "south"
day = 7
share = 0.40
late_probability = 0.5              # late in half the runs
late_mean_days = 14.0
kept_share = 0.5                    # half the pull-back from the last line not made
kept_if = "not on_time(releases[1])"
```"""


HANDOVERS = """\
With `bodies_mode = "as_recovered"`, some bodies may be **located** already:
`located_bodies` of the scheduled bodies are each recovered on a day drawn evenly from
1 to `located_within_days` (a deadline such as "all within 72 hours" is 3), the others
searched for with the gamma recovery time. With `unrecovered_owed = true` every
scheduled body is due from day 0, so a body not yet recovered counts as owed, in
`bodies_owed` (conditions) and `owed_hostage_bodies` (outcomes); otherwise a body is due
only once it is recovered. Both are off by default. `scenarios/bodies-located.toml`
shows them:

```toml
[handovers]
bodies_mode = "as_recovered"
located_bodies = 8          # of the 18 scheduled, recovered within 3 days
located_within_days = 3
unrecovered_owed = true     # the other 10 are owed until recovered
```"""


EXCHANGE = """\
The Palestinian bodies due for hostages' bodies can be returned after the prisoners and
detainees of the same handover, as a tranche of their own: `bodies_delay_days` days
later (0, the default: in the same tranche). A disputed handover then holds back one
tranche, not two: the prisoners' where the handover released living hostages, else the
bodies'. `scenarios/bodies-returned-later.toml` shows it:

```toml
[exchange]
bodies_delay_days = 10      # each handover's bodies answered 10 days after its prisoners
```"""


AID = """\
`channels` names counts of the aid kept apart from the total, each with the share of the
trucks entering that it counts (a monitor that tracks some crossings against the total
an authority reports). Each is reported as `aid_trucks_<name>` (the share of the trucks
that entered, to the nearest truck), and a record's `[[aid]]` entry with `channel =
"<name>"` is compared with that share of the trucks by its day (docs/records.md). The
channels only report: nothing else changes. `scenarios/aid-channels.toml` shows it:

```toml
[aid]
channels = { un_monitor = 0.45 }   # a monitor counting 45% of the entries
```"""

NAMES = """\
The keys of a scenario and the columns of its results keep base's names
(`violations.israeli_forces`, `deaths_palestinians`); `[names]` says what the texts call
them. Every story, report, table, chart and classroom page words the sides, the
territory and the mediators from it, so a truce elsewhere reads as itself. Leaving a key
out keeps base's name, and changing one changes no number (nor the scenario's digest).
A deal without hostages (none held, no `[[releases]]`) is told without them: its story,
findings and headline table leave hostages and the exchange out, and a deal with no aid
agreed shows no share of aid delivered. `scenarios/teaching/named-sides.toml` shows both
with two hypothetical sides:

```toml
releases = []
conditions = []

[names]
army = "Northern forces"         # incidents of violations.israeli_forces
army_party = "North"             # "North frees ..."
army_people = "Northern"         # "Northern deaths" (deaths_israelis)
groups = "Southern armed groups" # incidents of violations.palestinian_groups
groups_people = "Southern"       # "Southern deaths" (deaths_palestinians)
territory = "the border zone"
mediators = "two neighbouring states"
```
"""

RELEASES = """\
One table per handover, in any order. A total agreed over several days without a split
between them ("20 over the pause's four days") is one handover with `through_day`: its
first part falls due on `day` (and can slip, or wait out a crisis or a condition, as any
handover), each later part the day after the one before, and the last releases what is
left. How many come out on each day is drawn in each run, each person equally likely on
any of the days (a multinomial split; an assumption), so what is out by a day before
`through_day` varies from run to run instead of being capped by an invented split. Only
the first part can be disputed; `done(H)` and `on_time(H)` refer to the last.
`scenarios/pause-over-days.toml` writes pause-with-extensions' 20 living this way:

```toml
[[releases]]
label = "pause handover"
day = 1
through_day = 4        # all 20 by day 4, any number on each day
living = 20
```

Over 2,000 runs at seed 2025, the living out by day 2 range from 0 to 13 (5th-95th
percentile) against 5 to 10 when the same 20 are written as 5 a day.
"""
