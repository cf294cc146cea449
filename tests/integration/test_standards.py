"""The exports against their standards: XES against the IEEE 1849-2016 XSD, OCEL
against the OCEL 2.0 JSON schema.

pm4py reading a file (tests/integration/test_exports.py) does not prove it
valid: pm4py is lenient. Here a demo store is exported through the command line
and each file is validated against the published schemas, copies of which are
kept beside the repository in `../shared/schemas/` (SOURCES.md there says where
they come from). Without that folder these tests skip with the reason, unless
$PATHWAYS_REQUIRE_SCHEMAS is set (CI), in which case they fail.

How the XES file is validated: the official XSD has no targetNamespace while
XES files (ours included) put `<log>` in `http://www.xes-standard.org/`. A small
wrapper schema with that targetNamespace includes the unmodified XSD (a
"chameleon" include: its components take the wrapper's namespace), and lxml
validates the file against the wrapper, once per copy of the XSD (koalas', and
jbpm's, which requires `scope` on `<global>` and `<classifier>`).

How the OCEL file is validated: jsonschema's draft-07 validator, with a
`date-time` format check (RFC 3339) of our own, since jsonschema checks that
format only when an optional package is installed; then what the OCEL 2.0
specification asks and a JSON schema cannot say (identifiers unique, every
event and object of a declared type with declared attributes, every
relationship to an existing object).

The last tests prove the validators bite: they refuse broken documents.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import ADMIN, add_admin
from pathways.application import Pathways
from pathways.cli import cli
from pathways.crypto import new_master_key
from pathways.demo import write_demo
from pathways.store import open_store

TODAY = date(2026, 11, 27)
SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "schemas"
XSDS = {
    "koalas": "xes-ieee-1849-2016.koalas.xsd",
    "jbpm": "xes-ieee-1849-2016.jbpm.xsd",
}
OCEL_SCHEMA = "ocel20-schema-json.pm4py.json"
XES_NAMESPACE = "http://www.xes-standard.org/"
RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


# --- the schemas ----------------------------------------------------------------------------


def schema_file(name: str, folder: Path = SCHEMAS) -> Path:
    """A schema of ../shared/schemas/; skip (fail if $PATHWAYS_REQUIRE_SCHEMAS) when absent."""
    path = folder / name
    if path.is_file():
        return path
    if folder.is_dir():
        reason = f"{name}: not in {folder} (see SOURCES.md there)"
    else:
        reason = (
            f"{name}: ../shared/schemas is absent ({folder}; see the docstring of "
            "tests/integration/test_standards.py)"
        )
    if os.environ.get("PATHWAYS_REQUIRE_SCHEMAS"):  # CI: never skip silently
        pytest.fail(reason)
    pytest.skip(reason)


def xes_schema(xsd: Path) -> etree.XMLSchema:
    """The unmodified XSD, included as a chameleon into the XES namespace."""
    wrapper = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"'
        f' targetNamespace="{XES_NAMESPACE}" xmlns="{XES_NAMESPACE}"'
        ' elementFormDefault="qualified">'
        f'<xs:include schemaLocation="{xsd.as_uri()}"/>'
        "</xs:schema>"
    )
    return etree.XMLSchema(etree.fromstring(wrapper.encode()))


def xes_errors(schema: etree.XMLSchema, document: bytes) -> list[str]:
    """What the XSD refuses in a document (empty: valid)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    if schema.validate(etree.fromstring(document, parser)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def ocel_validator(path: Path) -> jsonschema.Draft7Validator:
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    formats = jsonschema.FormatChecker()

    @formats.checks("date-time", raises=ValueError)
    def date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True  # the type keyword judges it
        if RFC3339.fullmatch(value) is None:
            return False
        datetime.fromisoformat(value.upper())  # the fields in range: 2026-02-30 is refused
        return True

    return jsonschema.Draft7Validator(schema, format_checker=formats)


def ocel_errors(validator: jsonschema.Draft7Validator, document: Any) -> list[str]:
    """What the OCEL 2.0 JSON schema refuses, then what the specification asks beyond it."""
    found = [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(document)
    ]
    if found:
        return found
    object_types = {
        t["name"]: {a["name"] for a in t["attributes"]} for t in document["objectTypes"]
    }
    event_types = {t["name"]: {a["name"] for a in t["attributes"]} for t in document["eventTypes"]}
    objects = {o["id"] for o in document["objects"]}
    if len(objects) != len(document["objects"]):
        found.append("objects: an id is used twice")
    if len({e["id"] for e in document["events"]}) != len(document["events"]):
        found.append("events: an id is used twice")
    for group, types in (("objects", object_types), ("events", event_types)):
        for item in document[group]:
            where = f"{group}/{item['id']}"
            if item["type"] not in types:
                found.append(f"{where}: undeclared type {item['type']!r}")
                continue
            undeclared = {a["name"] for a in item.get("attributes", [])} - types[item["type"]]
            if undeclared:
                found.append(f"{where}: undeclared attributes {sorted(undeclared)}")
            missing = {r["objectId"] for r in item.get("relationships", [])} - objects
            if missing:
                found.append(f"{where}: relationships to no object {sorted(missing)}")
    return found


# --- a demo store and its exports -------------------------------------------------------------


@dataclass(frozen=True)
class Exports:
    xes: bytes
    ocel: dict[str, Any]


@pytest.fixture(scope="module")
def schemas() -> dict[str, Path]:
    """The schema files by name: skips (fails in CI) before anything is exported."""
    return {name: schema_file(name) for name in (*XSDS.values(), OCEL_SCHEMA)}


@pytest.fixture(scope="module")
def exports(schemas: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Exports:
    """A demo store (120 youths, two years) exported to XES and OCEL by the command line."""
    key = new_master_key()
    folder = tmp_path_factory.mktemp("standards")
    path = folder / "demo.sqlite3"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATHWAYS_MASTER_KEY", key)
        app = Pathways(open_store(str(path), create=True), today=lambda: TODAY)
        add_admin(app)
        write_demo(app, youth=120, seed=35, end=TODAY)
        app.store.close()
    env = {"PATHWAYS_DB": str(path), "PATHWAYS_MASTER_KEY": key, "PATHWAYS_ACTOR": ADMIN}
    files = {"xes": folder / "pathways.xes", "ocel": folder / "pathways.jsonocel"}
    for args in (
        ["export", "process-log", "--format", "xes", "--output", str(files["xes"])],
        ["export", "ocel", "--output", str(files["ocel"])],
    ):
        result = CliRunner().invoke(cli, args, env=env)
        assert result.exit_code == 0, (args, result.output, result.exception)
    return Exports(files["xes"].read_bytes(), json.loads(files["ocel"].read_text(encoding="utf-8")))


# --- the exports are valid --------------------------------------------------------------------


@pytest.mark.parametrize("copy", sorted(XSDS))
def test_the_xes_export_is_valid_against_the_ieee_1849_2016_xsd(
    schemas: dict[str, Path], exports: Exports, copy: str
) -> None:
    xsd = schemas[XSDS[copy]]
    assert xes_errors(xes_schema(xsd), exports.xes) == []
    # The other way SOURCES.md gives: the file without its xmlns, against the bare XSD.
    bare = exports.xes.replace(f' xmlns="{XES_NAMESPACE}"'.encode(), b"", 1)
    assert bare != exports.xes
    assert xes_errors(etree.XMLSchema(etree.parse(str(xsd))), bare) == []
    root = etree.fromstring(exports.xes)
    assert root.tag == f"{{{XES_NAMESPACE}}}log"  # the namespaced file, not a bare one
    traces = root.findall(f"{{{XES_NAMESPACE}}}trace")
    assert len(traces) == 120
    assert sum(len(t.findall(f"{{{XES_NAMESPACE}}}event")) for t in traces) > 1000


def test_the_ocel_export_is_valid_against_the_ocel_2_json_schema(
    schemas: dict[str, Path], exports: Exports
) -> None:
    assert ocel_errors(ocel_validator(schemas[OCEL_SCHEMA]), exports.ocel) == []
    assert {t["name"] for t in exports.ocel["objectTypes"]} == {
        "youth",
        "custody",
        "programme",
        "measure",
    }
    assert len(exports.ocel["events"]) > 1000
    # Booleans too (ReleasePlanValidated's checklist) are strings, as the schema asks.
    values = [a["value"] for e in exports.ocel["events"] for a in e["attributes"]]
    assert values
    assert all(isinstance(v, str) for v in values)


# --- the validators bite ----------------------------------------------------------------------


def broken_xes(document: bytes, how: str) -> bytes:
    text = document.decode("utf-8")
    if how == "version":  # what the export wrote before issue 9
        broken = text.replace('xes.version="1849.2016"', 'xes.version="1849-2016"', 1)
    elif how == "no-namespace":  # <log> outside the XES namespace
        broken = text.replace(f' xmlns="{XES_NAMESPACE}"', "", 1)
    elif how == "order":  # a trace attribute after the trace's events
        broken = text.replace("  </trace>", '    <string key="late" value="x"/>\n  </trace>', 1)
    elif how == "date":  # a date that is not an xs:dateTime
        broken = re.sub(
            r'(<date key="time:timestamp" value=")([^"]+)T[^"]+"', r'\1\2"', text, count=1
        )
    elif how == "extension":  # an extension without its uri
        broken = re.sub(r' uri="[^"]+"', "", text, count=1)
    else:  # pragma: no cover - a typo in the parameters
        raise ValueError(how)
    assert broken != text, how
    return broken.encode("utf-8")


#: How to break an XES file -> what the XSD then says.
XES_BREAKS = {
    "version": "'1849-2016' is not a valid value of the atomic type 'xs:decimal'",
    "no-namespace": "No matching global declaration available for the validation root",
    "order": "This element is not expected",
    "date": "is not a valid value of the atomic type 'xs:dateTime'",
    "extension": "The attribute 'uri' is required but missing",
}


@pytest.mark.parametrize("copy", sorted(XSDS))
@pytest.mark.parametrize("how", sorted(XES_BREAKS))
def test_the_xsd_refuses_a_broken_xes(
    schemas: dict[str, Path], exports: Exports, copy: str, how: str
) -> None:
    schema = xes_schema(schemas[XSDS[copy]])
    errors = xes_errors(schema, broken_xes(exports.xes, how))
    assert any(XES_BREAKS[how] in e for e in errors), errors


def test_the_version_the_export_used_to_write_is_refused(schemas: dict[str, Path]) -> None:
    """The smallest log, once with the old `xes.version`: the XSD refuses only that."""
    schema = xes_schema(schemas[XSDS["koalas"]])

    def log(version: str) -> bytes:
        return (
            f'<log xmlns="{XES_NAMESPACE}" xes.version="{version}">'
            '<trace><string key="concept:name" value="P-1"/></trace></log>'
        ).encode()

    assert xes_errors(schema, log("1849.2016")) == []
    (error,) = xes_errors(schema, log("1849-2016"))
    assert "'1849-2016' is not a valid value of the atomic type 'xs:decimal'" in error


def broken_ocel(document: dict[str, Any], how: str) -> dict[str, Any]:
    broken = json.loads(json.dumps(document))
    event = next(e for e in broken["events"] if e["attributes"])
    if how == "value-not-a-string":
        event["attributes"][0]["value"] = True
    elif how == "time-not-a-date-time":
        event["time"] = event["time"][:10]
    elif how == "no-objects":
        del broken["objects"]
    elif how == "relationship-without-qualifier":
        del event["relationships"][0]["qualifier"]
    elif how == "undeclared-type":
        event["type"] = "Unknown"
    elif how == "dangling-relationship":
        event["relationships"][0]["objectId"] = "youth:nobody"
    elif how == "undeclared-attribute":
        event["attributes"].append({"name": "not-declared", "value": "x"})
    elif how == "duplicate-object":
        broken["objects"].append(broken["objects"][0])
    else:  # pragma: no cover - a typo in the parameters
        raise ValueError(how)
    return broken


#: How to break an OCEL file -> what the checks then say.
OCEL_BREAKS = {
    "value-not-a-string": "True is not of type 'string'",
    "time-not-a-date-time": "is not a 'date-time'",
    "no-objects": "'objects' is a required property",
    "relationship-without-qualifier": "'qualifier' is a required property",
    "undeclared-type": "undeclared type 'Unknown'",
    "dangling-relationship": "relationships to no object ['youth:nobody']",
    "undeclared-attribute": "undeclared attributes ['not-declared']",
    "duplicate-object": "objects: an id is used twice",
}


@pytest.mark.parametrize("how", sorted(OCEL_BREAKS))
def test_the_ocel_checks_refuse_a_broken_document(
    schemas: dict[str, Path], exports: Exports, how: str
) -> None:
    errors = ocel_errors(ocel_validator(schemas[OCEL_SCHEMA]), broken_ocel(exports.ocel, how))
    assert any(OCEL_BREAKS[how] in e for e in errors), errors


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2026-01-05T00:00:00Z", True),
        ("2026-01-05T00:00:00.000+01:00", True),
        ("2026-01-05", False),
        ("2026-01-05 00:00:00Z", False),
        ("2026-02-30T00:00:00Z", False),
        ("2026-01-05T00:00:00", False),  # RFC 3339 asks for an offset
    ],
)
def test_the_date_time_format_is_checked(schemas: dict[str, Path], value: str, valid: bool) -> None:
    errors = list(
        ocel_validator(schemas[OCEL_SCHEMA]).iter_errors(
            {
                "objects": [],
                "eventTypes": [],
                "objectTypes": [],
                "events": [{"id": "e", "type": "t", "time": value}],
            }
        )
    )
    assert (errors == []) is valid, errors


# --- without the schemas -----------------------------------------------------------------------


def test_without_the_schemas_the_tests_skip_or_fail_in_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PATHWAYS_REQUIRE_SCHEMAS", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"\.\./shared/schemas is absent"):
        schema_file(OCEL_SCHEMA, tmp_path / "nowhere")
    monkeypatch.setenv("PATHWAYS_REQUIRE_SCHEMAS", "1")
    with pytest.raises(pytest.fail.Exception, match=r"\.\./shared/schemas is absent"):
        schema_file(OCEL_SCHEMA, tmp_path / "nowhere")
