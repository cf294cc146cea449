"""The Python API for notebooks: `pathways.open(...)` gives what the command line gives.

One demo store for the module; every read of the API is compared with the
`--json` output of the same command with the same arguments (click's CliRunner),
then turned into a pandas DataFrame.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import BaseModel

import pathways
from conftest import ADMIN, add_admin
from pathways.api import AlertRow, CaseloadRow, HistoryEvent, OutcomeRow, Rows, Store, references
from pathways.application import Pathways
from pathways.cli import cli
from pathways.crypto import new_master_key
from pathways.demo import write_demo
from pathways.domain.errors import BadFilter, MasterKeyError, PathwaysError, UnknownYouth
from pathways.store import open_store

TODAY = date(2026, 11, 27)
ALERT_COLUMNS = ["youth", "alert", "since", "organisation", "counsellor", "reason"]
CASELOAD_COLUMNS = [
    "youth",
    "organisation",
    "counsellor",
    "support",
    "custody",
    "last_contact_on",
    "alerts",
    # added by the work lists, after the first ones
    "facility",
    "expected_release_on",
    "territory",
]
HISTORY_COLUMNS = [
    "type",
    "youth",
    "occurred_on",
    "id",
    "recorded_at",
    "recorded_by",
    "position",
    "retracted",
]


@dataclass(frozen=True)
class Demo:
    path: Path
    key: str
    references: list[str]
    example: str
    head: int


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    key = new_master_key()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATHWAYS_MASTER_KEY", key)
        path = tmp_path_factory.mktemp("api") / "demo.sqlite3"
        app = Pathways(open_store(str(path), create=True), today=lambda: TODAY)
        add_admin(app)
        summary = write_demo(app, youth=120, seed=35, end=TODAY)
        head = app.store.head()
        app.store.close()
    return Demo(path, key, sorted(summary.references), summary.example, head)


@pytest.fixture
def store(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("PATHWAYS_MASTER_KEY", demo.key)
    monkeypatch.setenv("PATHWAYS_ACTOR", ADMIN)
    monkeypatch.delenv("PATHWAYS_KEY_FILE", raising=False)
    with pathways.open(demo.path) as opened:
        yield opened


def cli_json(demo: Demo, *args: str) -> Any:
    env = {"PATHWAYS_DB": str(demo.path), "PATHWAYS_MASTER_KEY": demo.key, "PATHWAYS_ACTOR": ADMIN}
    result = CliRunner().invoke(cli, [*args, "--json"], env=env)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return json.loads(result.stdout)


def as_json(rows: list[BaseModel]) -> list[dict[str, Any]]:
    """The rows as the command line prints them (keys it leaves out are left out)."""
    return [row.model_dump(mode="json", exclude_unset=True) for row in rows]


# --- opening ------------------------------------------------------------------------------


def test_open_is_the_package_entry_point(demo: Demo, store: Store) -> None:
    assert isinstance(store, Store)
    assert store.app.store.head() == demo.head
    assert store.youths() == demo.references
    assert pathways.__all__ == ["__version__", "open"]


def test_open_with_a_key_file(demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_ACTOR", ADMIN)
    monkeypatch.delenv("PATHWAYS_MASTER_KEY", raising=False)
    monkeypatch.delenv("PATHWAYS_KEY_FILE", raising=False)
    key_file = tmp_path / "master.key"
    key_file.write_text(demo.key + "\n")
    with pathways.open(str(demo.path), key_file=key_file) as store:
        assert len(store.history(demo.example)) > 0
    wrong = tmp_path / "wrong.key"
    wrong.write_text(new_master_key())
    with pytest.raises(MasterKeyError):
        pathways.open(demo.path, key_file=wrong)


# --- history ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"as_of": "2026-03-31"},
        {"as_of": date(2025, 12, 31)},
        {"known_at": "2026-03-31"},
        {"as_of": "2026-03-31", "known_at": "2026-04-15T12:00"},
    ],
)
def test_history_is_the_cli_history(demo: Demo, store: Store, args: dict[str, Any]) -> None:
    flags = []
    if "as_of" in args:
        flags += ["--as-of", str(args["as_of"])]
    if "known_at" in args:
        flags += ["--known-at", args["known_at"]]
    for youth in demo.references[::10]:
        rows = store.history(youth, **args)
        assert isinstance(rows, Rows)
        assert all(isinstance(row, HistoryEvent) for row in rows)
        assert as_json(rows) == cli_json(demo, "history", youth, *flags), (youth, args)


def test_history_rows_are_typed_and_carry_their_fields(demo: Demo, store: Store) -> None:
    rows = store.history(demo.example)
    registered = next(row for row in rows if row.type == "YouthRegistered")
    assert isinstance(registered.occurred_on, date)
    assert isinstance(registered.birth_date, str)  # an extra field, as in the JSON
    assert registered.residence
    released = [row for row in rows if row.type == "Released"]
    for row in released:
        assert row.destination
    assert [row.position for row in rows] != []
    assert references(rows) == [demo.example]
    frame = rows.to_pandas()
    assert list(frame.columns[: len(HISTORY_COLUMNS)]) == HISTORY_COLUMNS
    assert {"actor", "residence", "birth_date"} <= set(frame.columns)
    assert len(frame) == len(rows)
    assert frame["occurred_on"].is_monotonic_increasing


def test_history_known_at_a_position(demo: Demo, store: Store) -> None:
    everything = store.history(demo.example)
    middle = sorted(row.position for row in everything)[len(everything) // 2]
    rows = store.history(demo.example, known_at=f"@{middle}")
    assert {row.id for row in rows} == {row.id for row in everything if row.position <= middle}
    assert as_json(rows) == cli_json(demo, "history", demo.example, "--known-at", f"@{middle}")


def test_history_of_an_unknown_youth(store: Store) -> None:
    with pytest.raises(PathwaysError, match="not registered"):
        store.history("Y-1999-9999")


# --- caseload and alerts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "known_at"),
    [
        ("2026-03-31", None),
        ("2026-03-31", "2026-03-31"),
        (None, "2026-03-31"),
        ("2025-09-30", "2026-01-15T08:30"),
        (TODAY.isoformat(), None),
    ],
)
def test_caseload_and_alerts_are_the_cli_ones(
    demo: Demo, store: Store, as_of: str | None, known_at: str | None
) -> None:
    flags = []
    if as_of is not None:
        flags += ["--as-of", as_of]
    if known_at is not None:
        flags += ["--known-at", known_at]
    caseload = store.caseload(as_of=as_of, known_at=known_at)
    assert all(isinstance(row, CaseloadRow) for row in caseload)
    assert as_json(caseload) == cli_json(demo, "caseload", *flags)
    alerts = store.alerts(as_of=as_of, known_at=known_at)
    assert all(isinstance(row, AlertRow) for row in alerts)
    assert as_json(alerts) == cli_json(demo, "alerts", *flags)
    assert caseload
    assert alerts


def test_filters_are_the_cli_ones(demo: Demo, store: Store) -> None:
    day = "2026-03-31"
    we_ker = store.caseload(as_of=day, organisation="we-ker")
    assert we_ker
    assert as_json(we_ker) == cli_json(demo, "caseload", "--as-of", day, "--organisation", "we-ker")
    dry = store.alerts(as_of=day, alert="no-first-contact")
    assert as_json(dry) == cli_json(demo, "alerts", "--as-of", day, "--alert", "no-first-contact")
    assert {row.alert for row in dry} <= {"no-first-contact"}


@pytest.mark.parametrize(
    ("options", "flags"),
    [
        ({"releasing_within": 60}, ["--releasing-within", "60"]),
        ({"no_counsellor": True}, ["--no-counsellor"]),
        ({"facility": "cp-rennes-vezin"}, ["--facility", "cp-rennes-vezin"]),
        ({"territory": "rennes", "counsellor": "c-wk-01"}, ["--territory", "rennes"]),
        ({"organisation": "spip-35"}, ["--organisation", "spip-35"]),
    ],
)
def test_work_lists_are_the_cli_ones(
    demo: Demo, store: Store, options: dict[str, Any], flags: list[str]
) -> None:
    day = "2026-03-31"
    if "counsellor" in options:
        flags = [*flags, "--counsellor", options["counsellor"]]
    caseload = store.caseload(as_of=day, **options)
    assert caseload
    assert as_json(caseload) == cli_json(demo, "caseload", "--as-of", day, *flags)
    alerts = store.alerts(as_of=day, since="2026-03-01", **options)
    assert as_json(alerts) == cli_json(
        demo, "alerts", "--as-of", day, "--since", "2026-03-01", *flags
    )
    assert all(row.since >= date(2026, 3, 1) for row in alerts)


def test_a_filter_that_cannot_hold_raises_bad_filter(store: Store) -> None:
    with pytest.raises(BadFilter, match="'nowhere' is not a known facility") as raised:
        store.caseload(facility="nowhere")
    assert raised.value.option == "facility"
    with pytest.raises(BadFilter, match="not registered"):
        store.alerts(youth="Y-1999-9999")


def test_the_youth_card_is_the_cli_one(demo: Demo, store: Store) -> None:
    day = "2026-03-31"
    found = store.youth(demo.example, as_of=day)
    assert found.as_dict() == cli_json(demo, "youth", demo.example, "--as-of", day)
    personal = store.youth(demo.example, as_of=day, with_personal=True)
    assert personal.age is not None
    assert personal.as_dict() == cli_json(
        demo, "youth", demo.example, "--as-of", day, "--with-personal"
    )
    with pytest.raises(UnknownYouth, match="not registered"):
        store.youth("Y-1999-9999")


def test_known_at_replays_what_was_known(demo: Demo, store: Store) -> None:
    then = store.alerts(as_of="2026-03-31", known_at="2026-03-31")
    now = store.alerts(as_of="2026-03-31")
    assert then != now  # late entries changed that day's picture
    # The same point, however it is given.
    assert store.alerts(known_at="2026-03-31") == then
    assert store.alerts(as_of=date(2026, 3, 31), known_at=date(2026, 3, 31)) == then
    position = store.views.point(date(2026, 3, 31), "2026-03-31").position
    assert store.alerts(as_of="2026-03-31", known_at=f"@{position}") == then
    assert store.caseload(as_of="2026-03-31", known_at=f"@{position}") == store.caseload(
        as_of="2026-03-31", known_at="2026-03-31"
    )


def test_caseload_and_alerts_to_pandas(store: Store) -> None:
    caseload = store.caseload(as_of="2026-03-31").to_pandas()
    assert list(caseload.columns) == CASELOAD_COLUMNS
    assert len(caseload) > 10
    assert set(caseload["support"]) <= {"active", "not-started", "closed"}
    assert caseload["alerts"].dtype.kind == "i"
    alerts = store.alerts(as_of="2026-03-31").to_pandas()
    assert list(alerts.columns) == ALERT_COLUMNS
    assert len(alerts) == alerts.groupby("alert")["youth"].count().sum()
    # A replay with nothing to show still has its columns.
    empty = store.alerts(as_of="2024-06-01", known_at="2024-06-01")
    assert len(empty) == 0
    assert list(empty.to_pandas().columns) == ALERT_COLUMNS
    assert list(store.caseload(known_at="@0").to_pandas().columns) == CASELOAD_COLUMNS


# --- outcomes -----------------------------------------------------------------------------

PERIOD = ("2025-01-01", "2026-06-30")


@pytest.mark.parametrize(
    ("by", "options", "flags"),
    [
        ((), {}, []),
        ("territory", {}, ["--by", "territory"]),
        (("measure", "quarter"), {}, ["--by", "measure", "--by", "quarter"]),
        ("age-band", {"cohort": "community"}, ["--by", "age-band", "--cohort", "community"]),
        (
            "sex",
            {"as_of": "2026-06-30", "known_at": "2026-07-15", "min_n": 8},
            ["--by", "sex", "--as-of", "2026-06-30", "--known-at", "2026-07-15", "--min-n", "8"],
        ),
    ],
)
def test_outcomes_are_the_cli_ones(
    demo: Demo, store: Store, by: Any, options: dict[str, Any], flags: list[str]
) -> None:
    rows = store.outcomes(*PERIOD, by, **options)
    assert all(isinstance(row, OutcomeRow) for row in rows)
    expected = cli_json(demo, "outcomes", "--from", PERIOD[0], "--to", PERIOD[1], *flags)
    assert as_json(rows) == expected
    assert any(row.group == "all" for row in rows)


def test_outcomes_to_pandas(store: Store) -> None:
    rows = store.outcomes(date(2025, 1, 1), date(2026, 6, 30), by="territory")
    frame = rows.to_pandas()
    assert {
        "indicator",
        "group",
        "n",
        "suppressed",
        "k",
        "rate",
        "ci_low",
        "ci_high",
        "median",
        "q1",
        "q3",
        "territory",
    } <= set(frame.columns)
    whole = frame[(frame["group"] == "all") & (frame["indicator"] == "met-before-release")]
    assert len(whole) == 1
    row = whole.iloc[0]
    assert row["n"] > 5
    assert 0 <= row["ci_low"] <= row["rate"] <= row["ci_high"] <= 1
    # Suppressed groups keep their rows, without the figures.
    hidden = frame[frame["suppressed"]]
    assert hidden["rate"].isna().all()


def test_outcomes_min_n_cannot_go_below_the_floor(store: Store) -> None:
    with pytest.raises(PathwaysError, match="always suppressed"):
        store.outcomes(*PERIOD, "territory", min_n=3)
    raised = store.outcomes(*PERIOD, "territory", min_n=1000)
    assert all(row.suppressed for row in raised)


def test_history_of_an_erased_youth_is_the_cli_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_master_key()
    monkeypatch.setenv("PATHWAYS_MASTER_KEY", key)
    small = Demo(tmp_path / "small.sqlite3", key, ["Y-1"], "Y-1", 0)
    lines = [
        {
            "type": "YouthRegistered",
            "youth": "Y-1",
            "occurred_on": "2026-02-01",
            "birth_date": "2005-03-04",
            "residence": "rennes",
        },
        {
            "type": "ReferralReceived",
            "youth": "Y-1",
            "occurred_on": "2026-02-02",
            "source": "spip",
            "custody": "open",
        },
    ]
    env = {"PATHWAYS_DB": str(small.path), "PATHWAYS_MASTER_KEY": key, "PATHWAYS_ACTOR": ADMIN}
    monkeypatch.setenv("PATHWAYS_ACTOR", ADMIN)
    text = "".join(json.dumps(line) + "\n" for line in lines)
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--admin", ADMIN], env=env).exit_code == 0
    assert runner.invoke(cli, ["import", "-"], input=text, env=env).exit_code == 0
    result = runner.invoke(cli, ["erase", "Y-1", "--reason", "request", "--yes"], env=env)
    assert result.exit_code == 0, result.output
    with pathways.open(small.path) as store:
        rows = store.history("Y-1")
        assert as_json(rows) == cli_json(small, "history", "Y-1")
        registered = rows[0]
        assert registered.type == "YouthRegistered"
        assert registered.model_extra == {
            "residence": "rennes",
            "actor": registered.actor,
            "erased": True,
        }


def test_the_api_rows_have_the_columns_of_the_query_rows() -> None:
    from pathways import queries

    assert tuple(CaseloadRow.model_fields) == queries.CASELOAD_COLUMNS
    assert tuple(AlertRow.model_fields) == queries.ALERT_COLUMNS
    assert list(queries.CASELOAD_COLUMNS) == CASELOAD_COLUMNS
    assert list(queries.ALERT_COLUMNS) == ALERT_COLUMNS
    assert set(HistoryEvent.model_fields) <= set(queries.HISTORY_COLUMNS)


@pytest.mark.parametrize("as_of", ["2025-06-30", "2026-03-31", TODAY.isoformat()])
def test_the_sql_candidates_of_a_filter_lose_nobody(store: Store, as_of: str) -> None:
    """`alerts --organisation X` and `--counsellor C` compute only the youths that SQL
    finds with such a support step: a superset, so the filtered lines are exactly those
    of the whole département, filtered (handovers and reassignments included). On the
    last day, most youths are judged from the situation their row keeps, and SQL
    reads them only if it names the organisation."""
    views = store.views
    point = views.point(date.fromisoformat(as_of))
    everyone = views.lines(point)
    organisations = {line.organisation for line in everyone} - {None}
    counsellors = {line.counsellor for line in everyone} - {None}
    assert organisations
    assert counsellors
    for organisation in organisations:
        among = views.candidates(point, organisation, None)
        assert [x for x in views.lines(point, among=among) if x.organisation == organisation] == [
            x for x in everyone if x.organisation == organisation
        ]
    for counsellor in sorted(counsellors)[:8]:
        among = views.candidates(point, None, counsellor)
        assert [x for x in views.lines(point, among=among) if x.counsellor == counsellor] == [
            x for x in everyone if x.counsellor == counsellor
        ]
