"""An alert is declared once, in `domain.alert_catalogue`: the codes that an
acknowledgement accepts, the thresholds, the order of a line's alerts and the
report's labels all come from it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from pathways.domain import alert_catalogue, alerts, events, reference
from pathways.domain.alert_catalogue import ALERT_CODES, ALERTS
from pathways.report import i18n

DOCS = Path(__file__).parents[2] / "docs" / "alerts.md"


def test_the_codes_of_an_acknowledgement_are_the_catalogue() -> None:
    assert get_args(events.AlertCode) == ALERT_CODES
    assert alerts.ALERT_CODES == ALERT_CODES
    schema = events.AlertAcknowledged.model_json_schema()
    assert schema["properties"]["alert"]["enum"] == list(ALERT_CODES)


def test_every_threshold_of_an_alert_is_a_setting_with_its_default() -> None:
    for alert in ALERTS:
        for name, days in alert.thresholds.items():
            assert name.startswith(alert.code + ".")
            assert reference.DEFAULT_THRESHOLDS[name] == days
    assert set(reference.DEFAULT_THRESHOLDS) == {
        *alert_catalogue.ALERT_THRESHOLDS,
        "suppression.min-n",
        "retention.days",
    }


def test_every_alert_has_its_labels_and_its_section_in_the_docs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for alert in ALERTS:
        labels = i18n.ALERTS[alert.code]
        assert labels["en"] == alert.label
        assert labels["fr"], alert.code
        assert labels["fr"] != alert.label, alert.code  # translated by the catalogue
        assert re.search(rf"`{re.escape(alert.code)}`", text), alert.code
