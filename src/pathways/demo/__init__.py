"""A synthetic, realistic cohort of young people under justice supervision.

`generate(youth, seed, end)` simulates the pathways of N young people over the
years before `end` (DOMAIN.md section 1): custodies at CP Rennes-Vezin, the
women's CP of Rennes or the maison d'arrêt of Saint-Malo, short sentences,
changes of the expected release, prepared and unprepared releases, adjusted
ones, community supervisions, contacts (and their absence), rights, CEJ and
PACEA, jobs and trainings, re-incarcerations, handovers between Missions
Locales, pilot measures, closures, and a few mistakes corrected later. It is
deterministic for a seed, and fast (plain dicts, no validation): the
benchmarks use it for files of a hundred thousand events and stores of a
million.

Every event is in the interchange format (`pathways.interchange`) and carries
its original recorder (`recorded_by`: a counsellor code such as `c-wk-03`, or
`spip-35`). Counsellors record late, so each event gets a **simulated
recording time**: the date it occurred plus a lag (mostly 0-3 days, sometimes
weeks). Events are grouped into weekly batches by recording time (a batch is
what a week's recording adds to the store), and the batches are ordered so
that each one is valid when imported after the previous ones: the
registration comes no later than anything else of that youth, an opener no
later than its closer, a handover no later than its acknowledgement, a
launch no later than its enrolments.

`write_demo` imports the batches one by one with the store's clock set to the
batch's simulated recording time (not the real time of the import), so that
the log looks like two years of real recording: `--known-at` replays over those
two years are meaningful (what was known at the end of a quarter misses what
was recorded late), and so are retractions (a mistake and its correction are
recorded weeks apart).

`write_jsonl` writes every line of every batch into one JSON Lines file, which
also imports in one go (the rules are checked on the whole batch).

The package: `tables` (the simulation's reference data), `simulation` (lines,
cohort state, batches), `pathway`, `custody`, `outside` and `youth` (one young
person's simulation), `recording` (recorders and recording order), `cohort`
(`generate`), `summary` and `writer`.
"""

from pathways.demo.cohort import (
    DEFAULT_YEARS,
    PARIS,
    Batch,
    generate,
    period_start,
    today_in_paris,
)
from pathways.demo.summary import Summary, summarize
from pathways.demo.writer import (
    DEFAULT_SEED,
    DEFAULT_YOUTH,
    add_demo_users,
    conflicts,
    demo_users,
    write_demo,
    write_jsonl,
)

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_YEARS",
    "DEFAULT_YOUTH",
    "PARIS",
    "Batch",
    "Summary",
    "add_demo_users",
    "conflicts",
    "demo_users",
    "generate",
    "period_start",
    "summarize",
    "today_in_paris",
    "write_demo",
    "write_jsonl",
]
