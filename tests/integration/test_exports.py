"""`pathways export ...`, each file opened by its real consumer.

One demo store for the module (120 youths, about 4,700 events over two years);
every export goes through the command line (click's CliRunner). The files are
then read by what analysts use: pandas, pyarrow and DuckDB for the event log,
pm4py for the process log (CSV and XES) and OCEL 2.0, lifelines for the survival
table. pm4py is a test dependency only: the package never imports it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import ADMIN, add_admin
from pathways.application import Pathways
from pathways.cli import cli
from pathways.crypto import new_master_key
from pathways.demo import write_demo
from pathways.domain.events import EVENT_TYPES, YouthRegistered
from pathways.domain.time import PARIS
from pathways.store import open_store

TODAY = date(2026, 11, 27)
AS_OF_DATES = ("2025-06-30", "2025-12-31", "2026-03-31", "2026-11-27")
CENSORED_BY = {"", "as-of", "next-custody", "support-closed"}
OBJECT_TYPES = {"youth", "custody", "programme", "measure"}
PSEUDONYM = re.compile(r"^P-[A-Z2-7]{16}$")
#: What differs between a store and its copy made by export + import.
STORE_SPECIFIC = ("recorded_at", "actor", "position")


@dataclass(frozen=True)
class Demo:
    path: Path
    key: str
    references: list[str]
    births: dict[str, date]  # reference -> birth date (personal)
    head: int

    def env(self) -> dict[str, str]:
        return {
            "PATHWAYS_DB": str(self.path),
            "PATHWAYS_MASTER_KEY": self.key,
            "PATHWAYS_ACTOR": ADMIN,
        }


def run(demo: Demo, *args: str, input: str | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), env=demo.env(), input=input)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    key = new_master_key()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATHWAYS_MASTER_KEY", key)
        path = tmp_path_factory.mktemp("exports") / "demo.sqlite3"
        app = Pathways(open_store(str(path), create=True), today=lambda: TODAY)
        summary = write_demo(app, youth=120, seed=35, end=TODAY)
        births = {}
        for youth in summary.references:
            for line in app.history(youth):
                event = line.recorded.event
                if isinstance(event, YouthRegistered):
                    births[youth] = event.birth_date
        head = app.store.head()
        add_admin(app)  # after the cohort: the export leaves it out, positions keep theirs
        app.store.close()
    assert len(births) == 120
    return Demo(path, key, sorted(summary.references), births, head)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("files")


@pytest.fixture(scope="module")
def full_log(demo: Demo, out: Path) -> Path:
    """The event log with personal fields and references: the import format."""
    path = out / "full.jsonl"
    run(demo, "export", "events", "--with-personal", "--with-references", "--output", str(path))
    return path


@pytest.fixture(scope="module")
def copy(demo: Demo, full_log: Path, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """A new store (with another master key) into which the full export was imported."""
    target = Demo(
        tmp_path_factory.mktemp("copy") / "copy.sqlite3",
        new_master_key(),
        demo.references,
        demo.births,
        demo.head,
    )
    run(target, "init", "--admin", ADMIN)
    result = run(target, "import", str(full_log))
    assert f"stored: {demo.head} event(s)" in result.output
    return target


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def export_events(demo: Demo, out: Path, name: str, *args: str) -> list[dict[str, Any]]:
    path = out / name
    run(demo, "export", "events", *args, "--output", str(path))
    return jsonl(path)


# --- the event log ------------------------------------------------------------------------


def test_the_jsonl_log_holds_every_event_with_what_the_store_knows(
    demo: Demo, full_log: Path
) -> None:
    rows = jsonl(full_log)
    assert len(rows) == demo.head
    assert [r["position"] for r in rows] == list(range(1, demo.head + 1))
    for row in rows:
        assert row["type"] in EVENT_TYPES
        assert {"id", "occurred_on", "recorded_at", "recorded_by", "actor", "retracted"} <= set(row)
        assert datetime.fromisoformat(row["recorded_at"]).tzinfo is not None
        assert row["actor"] == "demo"
    registered = [r for r in rows if r["type"] == "YouthRegistered"]
    assert {r["youth"] for r in registered} == set(demo.references)
    assert {r["youth"]: date.fromisoformat(r["birth_date"]) for r in registered} == demo.births
    retracted = {r["event_id"] for r in rows if r["type"] == "EventRetracted"}
    assert retracted
    assert {r["id"] for r in rows if r["retracted"]} == retracted
    # The original recorders are kept (the demo imports as `demo` on their behalf).
    assert {r["recorded_by"] for r in rows} - {"demo"}


def test_round_trip_gives_the_same_histories_and_alerts(demo: Demo, copy: Demo) -> None:
    for youth in demo.references:
        mine = json.loads(run(demo, "history", youth, "--json").stdout)
        theirs = json.loads(run(copy, "history", youth, "--json").stdout)
        assert len(mine) == len(theirs), youth
        for a, b in zip(mine, theirs, strict=True):
            for key in STORE_SPECIFIC:
                a.pop(key)
                b.pop(key)
            assert a == b, youth  # recorded_by too: kept as the original recorder
    for day in AS_OF_DATES:
        for command in ("alerts", "caseload"):
            mine = json.loads(run(demo, command, "--as-of", day, "--json").stdout)
            theirs = json.loads(run(copy, command, "--as-of", day, "--json").stdout)
            assert mine == theirs, (command, day)
            if command == "alerts" and day != "2025-06-30":
                assert mine, day  # the comparison is not between two empty lists


def test_as_of_leaves_out_later_and_retracted_steps(demo: Demo, full_log: Path, out: Path) -> None:
    everything = jsonl(full_log)
    for day in ("2025-12-31", "2026-03-31"):
        rows = export_events(demo, out, f"as-of-{day}.jsonl", "--as-of", day)
        expected = {
            r["id"]
            for r in everything
            if r["occurred_on"] <= day and not r["retracted"] and r["type"] != "EventRetracted"
        }
        assert {r["id"] for r in rows} == expected
        assert all(not r["retracted"] for r in rows)
        assert max(r["occurred_on"] for r in rows) <= day


def test_known_at_a_position_replays_the_log_and_its_retractions(
    demo: Demo, full_log: Path, out: Path
) -> None:
    everything = jsonl(full_log)
    position = {r["id"]: r["position"] for r in everything}
    retraction = next(r for r in everything if r["type"] == "EventRetracted")
    before = retraction["position"] - 1
    assert position[retraction["event_id"]] <= before

    rows_before = export_events(demo, out, "known.jsonl", "--known-at", f"@{before}")
    assert [r["position"] for r in rows_before] == list(range(1, before + 1))
    flagged = {r["id"]: r["retracted"] for r in rows_before}
    assert flagged[retraction["event_id"]] is False  # not retracted yet at that position

    rows = export_events(demo, out, "known-after.jsonl", "--known-at", f"@{before + 1}")
    assert {r["id"]: r["retracted"] for r in rows}[retraction["event_id"]] is True

    target = everything[position[retraction["event_id"]] - 1]
    day = target["occurred_on"]
    both = export_events(demo, out, "known-as-of.jsonl", "--known-at", f"@{before}", "--as-of", day)
    expected = {
        r["id"]
        for r in rows_before
        if r["occurred_on"] <= day and not r["retracted"] and r["type"] != "EventRetracted"
    }
    assert {r["id"] for r in both} == expected
    assert target["id"] in expected  # as known then, the retracted step still counts


def test_known_at_a_date_is_what_was_recorded_by_the_end_of_that_day(
    demo: Demo, full_log: Path, out: Path
) -> None:
    end = datetime.combine(date(2026, 3, 31) + timedelta(days=1), time(0), PARIS)
    expected = [r["id"] for r in jsonl(full_log) if datetime.fromisoformat(r["recorded_at"]) < end]
    rows = export_events(demo, out, "known-date.jsonl", "--known-at", "2026-03-31")
    assert [r["id"] for r in rows] == expected
    assert 0 < len(rows) < demo.head


def test_csv_log_has_one_column_per_field(demo: Demo, full_log: Path, out: Path) -> None:
    import pandas as pd

    path = out / "events.csv"
    run(demo, "export", "events", "--format", "csv", "--output", str(path))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(frame) == demo.head
    assert list(frame.columns[:4]) == ["type", "youth", "occurred_on", "id"]
    assert {"recorded_at", "recorded_by", "actor", "position", "retracted"} <= set(frame.columns)
    assert "birth_date" not in frame.columns
    # A field name personal in one type only stays for the others: why a support closed.
    closed = frame[frame["type"] == "SupportClosed"]
    assert len(closed) > 0
    assert (closed["reason"] != "").all()
    assert (frame.loc[frame["type"] == "EventRetracted", "reason"] == "").all()
    assert [int(p) for p in frame["position"]] == list(range(1, demo.head + 1))
    by_id = {r["id"]: r for r in jsonl(full_log)}
    for row in frame.head(300).to_dict("records"):
        original = by_id[row["id"]]
        assert row["type"] == original["type"]
        assert row["occurred_on"] == original["occurred_on"]
        for name in ("channel", "destination", "organisation", "programme"):
            assert row[name] == str(original.get(name, "")), name


def test_parquet_is_typed_for_pyarrow_and_duckdb(demo: Demo, full_log: Path, out: Path) -> None:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = out / "events.parquet"
    run(demo, "export", "events", "--format", "parquet", "--output", str(path))
    table = pq.read_table(path)
    assert table.num_rows == demo.head
    schema = table.schema
    assert schema.field("occurred_on").type == pa.date32()
    assert schema.field("expected_release_on").type == pa.date32()
    assert schema.field("position").type == pa.int64()
    assert schema.field("attempts").type == pa.int64()
    assert schema.field("housing").type == pa.bool_()
    assert schema.field("retracted").type == pa.bool_()
    assert schema.field("recorded_at").type == pa.timestamp("us", tz="UTC")
    # Typed from the catalogue: even a column that no event of the demo fills.
    assert schema.field("alert").type == pa.string()
    assert schema.field("value").type == pa.string()
    assert "birth_date" not in schema.names
    rows = table.to_pylist()
    assert [r["position"] for r in rows] == list(range(1, demo.head + 1))
    first = jsonl(full_log)[0]
    assert rows[0]["occurred_on"] == date.fromisoformat(first["occurred_on"])
    assert rows[0]["recorded_at"] == datetime.fromisoformat(first["recorded_at"]).astimezone(UTC)

    found = duckdb.sql(
        f"SELECT typeof(occurred_on), typeof(position), typeof(recorded_at), count(*), "
        f"max(position), min(occurred_on) FROM read_parquet('{path}') GROUP BY ALL"
    ).fetchall()
    assert len(found) == 1
    day_type, position_type, stamp_type, count, highest, earliest = found[0]
    assert (day_type, position_type) == ("DATE", "BIGINT")
    assert stamp_type == "TIMESTAMP WITH TIME ZONE"
    assert (count, highest) == (demo.head, demo.head)
    assert isinstance(earliest, date)
    by_type = dict(
        duckdb.sql(f"SELECT type, count(*) FROM read_parquet('{path}') GROUP BY type").fetchall()
    )
    assert by_type == Counter(r["type"] for r in jsonl(full_log))
    late = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{path}') "
        "WHERE type = 'Released' AND occurred_on < DATE '2026-01-01'"
    ).fetchall()
    assert late[0][0] > 0


def test_parquet_with_personal_fields_has_typed_birth_dates(demo: Demo, out: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = out / "personal.parquet"
    run(
        demo,
        "export",
        "events",
        "--format",
        "parquet",
        "--with-personal",
        "--with-references",
        "--output",
        str(path),
    )
    table = pq.read_table(path, columns=["type", "youth", "birth_date"])
    assert table.schema.field("birth_date").type == pa.date32()
    births = {
        r["youth"]: r["birth_date"] for r in table.to_pylist() if r["type"] == "YouthRegistered"
    }
    assert births == demo.births


def test_parquet_needs_an_output_file(demo: Demo) -> None:
    result = CliRunner().invoke(cli, ["export", "events", "--format", "parquet"], env=demo.env())
    assert result.exit_code == 2
    assert "--output is required for Parquet" in result.output


# --- process mining -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def process_csv(demo: Demo, out: Path) -> Path:
    path = out / "process.csv"
    run(demo, "export", "process-log", "--format", "csv", "--output", str(path))
    return path


@pytest.mark.filterwarnings("ignore")
def test_pm4py_reads_the_process_log_csv(demo: Demo, process_csv: Path, full_log: Path) -> None:
    import pandas as pd
    import pm4py

    frame = pm4py.format_dataframe(
        pd.read_csv(process_csv),
        case_id="case:concept:name",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
    )
    everything = jsonl(full_log)
    left_out = {"EventRetracted", "AlertAcknowledged", "YouthErased"}
    steps = [
        r for r in everything if "youth" in r and r["type"] not in left_out and not r["retracted"]
    ]
    assert len(frame) == len(steps)
    assert frame["case:concept:name"].nunique() == 120
    assert all(PSEUDONYM.match(case) for case in frame["case:concept:name"].unique())
    assert Counter(frame["concept:name"]) == Counter(r["type"] for r in steps)
    stamps = frame["time:timestamp"]
    assert str(stamps.dt.tz) == "UTC"
    assert (stamps.dt.hour == 0).all()
    assert Counter(stamps.dt.date) == Counter(date.fromisoformat(r["occurred_on"]) for r in steps)
    assert Counter(frame["org:resource"]) == Counter(r["recorded_by"] for r in steps)
    for name in ("residence", "measure", "sex", "age_band"):
        assert frame[f"case:{name}"].notna().all(), name
    assert set(frame["case:age_band"]) <= {"16-17", "18-20", "21-25", "26+", "unknown"}
    assert set(frame["case:measure"]) - {"none"}  # some enrolled in a pilot measure
    # Each case in life order, as process mining expects.
    for _case, group in frame.groupby("case:concept:name"):
        assert group["time:timestamp"].is_monotonic_increasing
    dfg, starts, ends = pm4py.discover_dfg(frame)
    assert dfg
    assert sum(starts.values()) == sum(ends.values()) == 120


@pytest.mark.filterwarnings("ignore")
def test_pm4py_reads_the_xes_log(demo: Demo, process_csv: Path, out: Path) -> None:
    import pandas as pd
    import pm4py

    path = out / "process.xes"
    run(demo, "export", "process-log", "--format", "xes", "--output", str(path))
    log = pm4py.read_xes(str(path))
    flat = pd.read_csv(process_csv)
    assert len(log) == len(flat)
    assert log["case:concept:name"].nunique() == 120
    for name in ("residence", "measure", "sex", "age_band"):
        assert f"case:{name}" in log.columns, name
    assert str(log["time:timestamp"].dt.tz) == "UTC"
    key = ["case:concept:name", "concept:name", "org:resource", "case:residence", "case:measure"]
    assert Counter(map(tuple, log[key].to_numpy().tolist())) == Counter(
        map(tuple, flat[key].to_numpy().tolist())
    )
    assert Counter(log["time:timestamp"].dt.strftime("%Y-%m-%d")) == Counter(
        flat["time:timestamp"].str[:10]
    )


@pytest.mark.filterwarnings("ignore")
def test_pm4py_reads_the_ocel(demo: Demo, process_csv: Path, out: Path) -> None:
    import pandas as pd
    import pm4py

    path = out / "pathways.jsonocel"
    run(demo, "export", "ocel", "--output", str(path))
    ocel = pm4py.read_ocel2_json(str(path))
    objects = ocel.objects
    assert set(objects["ocel:type"]) == OBJECT_TYPES
    counts = Counter(objects["ocel:type"])
    assert counts["youth"] == 120
    assert counts["measure"] == 3
    flat = pd.read_csv(process_csv)
    assert len(ocel.events) == len(flat)
    assert Counter(ocel.events["ocel:activity"]) == Counter(flat["concept:name"])
    assert counts["custody"] == Counter(flat["concept:name"])["Incarcerated"] > 0
    assert counts["programme"] >= Counter(flat["concept:name"])["ProgrammeEntered"] > 0

    relations = ocel.relations
    assert set(relations["ocel:type"]) == OBJECT_TYPES
    # Every event belongs to its youth; custody and programme steps to their object.
    youth_links = relations[relations["ocel:type"] == "youth"]
    assert youth_links["ocel:eid"].nunique() == len(ocel.events)
    custody = relations[relations["ocel:type"] == "custody"]
    assert set(custody["ocel:activity"]) <= {
        "Incarcerated",
        "Released",
        "CustodyStatusChanged",
        "ExpectedReleaseChanged",
    }
    assert "Released" in set(custody["ocel:activity"])
    programme = relations[relations["ocel:type"] == "programme"]
    assert set(programme["ocel:activity"]) == {"ProgrammeEntered", "ProgrammeExited"}
    measure = relations[relations["ocel:type"] == "measure"]
    assert set(measure["ocel:activity"]) == {"EnrolledInMeasure"}
    # Youths own their custodies, programmes and measures (object-to-object links).
    o2o = ocel.o2o
    assert set(o2o["ocel:qualifier"]) == {"custody", "programme", "enrolled in"}
    assert set(o2o["ocel:oid"]) <= set(objects.loc[objects["ocel:type"] == "youth", "ocel:oid"])
    # Codes that are not personal stay as event attributes (why a support closed).
    raw = json.loads(path.read_text())
    closed = [e for e in raw["events"] if e["type"] == "SupportClosed"]
    assert closed
    assert all(any(a["name"] == "reason" for a in e["attributes"]) for e in closed)
    # pm4py can flatten it per object type.
    flattened = pm4py.ocel_flattening(ocel, "custody")
    assert len(flattened) == len(custody)


# --- survival -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "cohort"),
    [
        ("mainstream", "releases"),
        ("reincarceration", "releases"),
        ("mainstream", "community"),
        ("reincarceration", "community"),
    ],
)
def test_lifelines_fits_the_survival_table(
    demo: Demo, out: Path, outcome: str, cohort: str
) -> None:
    import pandas as pd
    from lifelines import KaplanMeierFitter

    path = out / f"survival-{outcome}-{cohort}.csv"
    run(
        demo,
        "export",
        "survival",
        "--outcome",
        outcome,
        "--cohort",
        cohort,
        "--as-of",
        TODAY.isoformat(),
        "--output",
        str(path),
    )
    table = pd.read_csv(path, keep_default_na=False)
    assert list(table.columns) == [
        "case",
        "start",
        "cohort",
        "duration",
        "observed",
        "censored_by",
        "territory",
        "measure",
        "quarter",
        "sex",
        "age_band",
        "sentence_band",
    ]
    assert len(table) > 20
    assert (table["cohort"] == cohort).all()
    assert set(table["observed"]) <= {0, 1}
    assert (table["duration"] >= 0).all()
    assert set(table["censored_by"]) <= CENSORED_BY
    assert ((table["censored_by"] == "") == (table["observed"] == 1)).all()
    if outcome == "reincarceration":
        assert set(table["censored_by"]) <= {"", "as-of"}
    # Censored at the as-of date: the follow-up runs from the start to it.
    at_as_of = table[table["censored_by"] == "as-of"]
    starts = pd.to_datetime(at_as_of["start"]).dt.date
    assert [(TODAY - start).days for start in starts] == at_as_of["duration"].tolist()
    assert all(PSEUDONYM.match(case) for case in table["case"])
    if cohort == "releases":
        assert set(table["sentence_band"]) - {"unknown"}
    else:
        assert set(table["sentence_band"]) == {"n/a"}

    fitter = KaplanMeierFitter().fit(table["duration"], table["observed"], label=outcome)
    curve = fitter.survival_function_[outcome]
    assert curve.iloc[0] == 1.0
    assert curve.is_monotonic_decreasing
    assert 0.0 <= curve.iloc[-1] < 1.0
    # Covariates: a curve per group fits too.
    for _territory, group in table.groupby("territory"):
        KaplanMeierFitter().fit(group["duration"], group["observed"])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_lifelines_agrees_with_the_days_to_mainstream_of_outcomes(demo: Demo, out: Path) -> None:
    import pandas as pd
    from lifelines import KaplanMeierFitter

    period = ["--from", "2025-01-01", "--to", "2026-06-30", "--as-of", TODAY.isoformat()]
    path = out / "survival-period.csv"
    run(demo, "export", "survival", *period, "--output", str(path))
    table = pd.read_csv(path, keep_default_na=False)
    rows = json.loads(run(demo, "outcomes", *period, "--json").stdout)
    delay = next(r for r in rows if r["indicator"] == "days-to-mainstream" and r["group"] == "all")
    assert delay["n"] == len(table)
    assert delay["censored"] == int((table["observed"] == 0).sum())
    fitter = KaplanMeierFitter().fit(table["duration"], table["observed"])
    assert delay["median"] == fitter.median_survival_time_
    assert delay["q1"] == fitter.percentile(0.75)
    assert delay["q3"] == fitter.percentile(0.25)


# --- privacy ------------------------------------------------------------------------------


def every_export(demo: Demo, out: Path, *flags: str) -> dict[str, str]:
    """The text of every export made with these flags (Parquet read back as rows)."""
    import pyarrow.parquet as pq

    folder = out / ("plain" if not flags else "flagged")
    folder.mkdir(exist_ok=True)
    references = [f for f in flags if f == "--with-references"]
    texts: dict[str, str] = {}
    commands: dict[str, list[str]] = {
        "events.jsonl": ["events", *flags],
        "events.csv": ["events", "--format", "csv", *flags],
        "events.parquet": ["events", "--format", "parquet", *flags],
        "known.jsonl": ["events", "--known-at", "2026-03-31", *flags],
        "as-of.csv": ["events", "--format", "csv", "--as-of", "2026-03-31", *flags],
        "process.csv": ["process-log", *references],
        "process.xes": ["process-log", "--format", "xes", *references],
        "ocel.json": ["ocel", *references],
    }
    for outcome in ("mainstream", "reincarceration"):
        for cohort in ("releases", "community"):
            commands[f"survival-{outcome}-{cohort}.csv"] = [
                "survival",
                "--outcome",
                outcome,
                "--cohort",
                cohort,
                *references,
            ]
    for name, command in commands.items():
        path = folder / name
        run(demo, "export", *command, "--output", str(path))
        if name.endswith(".parquet"):
            texts[name] = json.dumps(pq.read_table(path).to_pylist(), default=str)
        else:
            texts[name] = path.read_text(encoding="utf-8")
    # And to standard output.
    texts["stdout.jsonl"] = run(demo, "export", "events", *flags).stdout
    return texts


def test_no_birth_date_and_no_reference_without_the_flags(demo: Demo, out: Path) -> None:
    texts = every_export(demo, out)
    births = {d.isoformat() for d in demo.births.values()}
    births |= {d.strftime("%d/%m/%Y") for d in demo.births.values()}
    for name, text in texts.items():
        assert len(text) > 1000, name
        for reference in demo.references:
            assert reference not in text, (name, reference)
        for birth in births:
            assert birth not in text, (name, birth)
        assert "birth_date" not in text, name
        assert "Y-20" not in text, name
    log = [json.loads(line) for line in texts["events.jsonl"].splitlines()]
    assert {r["type"] for r in log} >= {"YouthRegistered", "EventRetracted"}
    assert all("reason" not in r for r in log if r["type"] == "EventRetracted")  # free text
    header = next(csv.reader(io.StringIO(texts["events.csv"])))
    assert "birth_date" not in header
    assert "note" not in header


def test_the_flags_bring_them_back(demo: Demo, out: Path) -> None:
    """The check above would see them: with both flags the log holds them all."""
    texts = every_export(demo, out, "--with-personal", "--with-references")
    for name in ("events.jsonl", "events.csv", "events.parquet", "stdout.jsonl"):
        text = texts[name]
        assert all(reference in text for reference in demo.references), name
        assert all(d.isoformat() in text for d in demo.births.values()), name
    for name in ("process.csv", "process.xes", "ocel.json"):
        assert all(reference in texts[name] for reference in demo.references), name
    log = [json.loads(line) for line in texts["events.jsonl"].splitlines()]
    assert all(r["reason"] for r in log if r["type"] == "EventRetracted")


def pseudonyms_of(demo: Demo, out: Path, name: str) -> dict[str, str]:
    """Event id -> the youth's pseudonym, in an export of the log."""
    rows = export_events(demo, out, name)
    return {r["id"]: r["youth"] for r in rows if "youth" in r}


def test_pseudonyms_are_stable_in_a_store_and_keyed(
    demo: Demo, copy: Demo, full_log: Path, out: Path
) -> None:
    first = pseudonyms_of(demo, out, "pseudo-1.jsonl")
    second = pseudonyms_of(demo, out, "pseudo-2.jsonl")
    assert first == second
    references = {r["id"]: r["youth"] for r in jsonl(full_log) if "youth" in r}
    mapping = {references[event]: pseudonym for event, pseudonym in first.items()}
    assert len(mapping) == len(set(mapping.values())) == 120  # one per youth, no clash
    assert all(PSEUDONYM.match(p) for p in mapping.values())
    for event, pseudonym in first.items():
        assert mapping[references[event]] == pseudonym

    # The same in every export of the store.
    process = {
        row["case:concept:name"]
        for row in csv.DictReader(io.StringIO(run(demo, "export", "process-log").stdout))
    }
    assert process == set(mapping.values())
    survival = {
        row["case"] for row in csv.DictReader(io.StringIO(run(demo, "export", "survival").stdout))
    }
    assert survival <= set(mapping.values())
    assert survival

    # Another store (another master key), the same youths: other pseudonyms.
    other = pseudonyms_of(copy, out, "pseudo-copy.jsonl")
    assert set(other) == set(first)
    theirs = {references[event]: pseudonym for event, pseudonym in other.items()}
    assert all(theirs[youth] != mapping[youth] for youth in mapping)


def test_the_package_never_imports_pm4py() -> None:
    root = Path(__file__).resolve().parents[2] / "src" / "pathways"
    for source in root.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from)\s+pm4py", text, re.MULTILINE), source
    code = (
        "import sys, pathways, pathways.api, pathways.exports, pathways.mining, "
        "pathways.cli.export; assert 'pm4py' not in sys.modules and 'lifelines' not in "
        "sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
