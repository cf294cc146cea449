"""The names of the reference data's codes, and the report's order of groups."""

from __future__ import annotations

from datetime import date

import pytest

from pathways.domain.events import MeasureLaunched, SettingChanged
from pathways.domain.reference import (
    DEFAULT_FACILITIES,
    DEFAULT_TERRITORIES,
    FACILITY_NAMES,
    LANGUAGES,
    ORGANISATION_NAMES,
    PROBATION_SERVICE,
    TERRITORY_NAMES,
    ReferenceData,
)
from pathways.report.data import Names


def test_every_code_shipped_has_a_name_in_each_language() -> None:
    ref = ReferenceData()
    assert set(TERRITORY_NAMES) == set(DEFAULT_TERRITORIES)
    assert set(ORGANISATION_NAMES) == set(ref.organisations)
    assert set(FACILITY_NAMES) == set(DEFAULT_FACILITIES)
    for names in (TERRITORY_NAMES, ORGANISATION_NAMES, FACILITY_NAMES):
        for code, by_language in names.items():
            assert set(by_language) == set(LANGUAGES), code
            assert all(name and name != code for name in by_language.values()), code


@pytest.mark.parametrize(
    ("lang", "territory", "organisation", "facility"),
    [
        ("fr", "Hors Ille-et-Vilaine", "SPIP 35", "Autre établissement"),
        ("en", "Outside Ille-et-Vilaine", "SPIP 35", "Other facility"),
    ],
)
def test_names_with_their_accents(
    lang: str, territory: str, organisation: str, facility: str
) -> None:
    ref = ReferenceData()
    assert ref.territory_name("outside-35", lang) == territory
    assert ref.organisation_name(PROBATION_SERVICE, lang) == organisation
    assert ref.facility_name("other", lang) == facility
    assert [ref.territory_name(c, lang) for c in ("fougeres", "vitre", "broceliande")] == [
        "Fougères", "Vitré", "Brocéliande",
    ]  # fmt: skip
    assert ref.organisation_name("ml-saint-malo", lang) == "Mission Locale du Pays de Saint-Malo"
    assert ref.facility_name("cp-rennes-vezin", lang) == "Centre pénitentiaire de Rennes-Vezin"


def test_a_code_with_no_name_is_its_own_name() -> None:
    ref = ReferenceData()
    ref.apply(SettingChanged(occurred_on=date(2026, 1, 5), name="territory.chateaugiron",
                             value="ml-chateaugiron"))  # fmt: skip
    assert ref.territory_name("chateaugiron", "fr") == "chateaugiron"
    assert ref.organisation_name("ml-chateaugiron", "en") == "ml-chateaugiron"
    assert ref.measure_name("never-launched") == "never-launched"
    ref.apply(MeasureLaunched(occurred_on=date(2026, 1, 5), code="atelier-cv",
                              name="Atelier CV <b>", territory="rennes"))  # fmt: skip
    assert ref.measure_name("atelier-cv") == "Atelier CV <b>"


def test_the_report_orders_groups_as_a_reader_expects() -> None:
    ref = ReferenceData()
    ref.apply(SettingChanged(occurred_on=date(2026, 1, 5), name="territory.chateaugiron",
                             value="ml-chateaugiron"))  # fmt: skip
    for code, name in (("zebre", "Atelier"), ("alpha", "Émploi"), ("beta", "Zone")):
        ref.apply(MeasureLaunched(occurred_on=date(2026, 1, 5), code=code, name=name,
                                  territory="rennes"))  # fmt: skip
    names = Names(ref, "fr")
    territories = names.order("territory", ["outside-35", "vitre", "chateaugiron", "rennes"])
    assert territories == ["rennes", "vitre", "chateaugiron", "outside-35"]
    organisations = names.order("organisation", ["ml-chateaugiron", "", "ml-vitre", "we-ker"])
    assert organisations == ["we-ker", "ml-vitre", "ml-chateaugiron", ""]
    # Measures by name, accents ignored, "none" last.
    assert names.order("measure", ["none", "beta", "alpha", "zebre"]) == [
        "zebre", "alpha", "beta", "none",
    ]  # fmt: skip
    assert names.quarter("2026-Q1") == "T1 2026"
    assert Names(ref, "en").quarter("2026-Q1") == "Q1 2026"
    assert names.organisation("") == "(sans accompagnement : pas encore, ou clos)"
    assert names.measure("none") == "Sans mesure"
