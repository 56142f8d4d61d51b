"""engage's theme vocabulary: its own themes and groups, and the names other vocabularies give them."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engage.demo import UPR_CYCLE1_CSV
from engage.errors import ValidationError
from engage.extensions import db
from engage.recommendations.models import Theme, ThemeMapping
from engage.recommendations.queries import health_theme_names
from engage.recommendations.schemas import KEEP
from engage.recommendations.vocabulary import (ThemeIndex, curated_themes, load_vocabulary, map_names,
                                               save_theme_mapping, theme_key)
from engage.upr.formats import spreadsheet_rows, split_issues
from engage.upr.services import create_recommendation, get_recommendation

EXPORT_XLS = Path(__file__).parent.parent / "upr" / "data" / "uprinfo_export_sessions_1-5.xls"


@pytest.fixture
def vocabulary(app):
    load_vocabulary()
    db.session.commit()


def test_names_match_whatever_their_case_spacing_punctuation_or_code(vocabulary):
    index = ThemeIndex()
    spelled = {"HIV - Aids": "HIV/AIDS", "  right to HEALTH ": "Right to health",
               "E41 Right to health - General": "Right to health", "E41": "Right to health",
               "Theme: A12 Acceptance of international norms": "Acceptance of international norms",
               "Access to sexual & reproductive health & services": "Sexual and reproductive health and rights",
               "Sexual Orientation and Gender Identity": "LGBTI persons (sexual orientation and gender identity)",
               "Women's rights": "Women's rights", "womens rights": "Women's rights",
               "persons living with HIV/AIDS": "HIV/AIDS"}
    assert {name: index.get(name).name for name in spelled} == spelled
    assert index.get("Gardening") is None
    assert theme_key("HIV - Aids") == theme_key("hiv/AIDS") == "hiv aids"


def test_every_upr_info_issue_of_the_real_files_is_one_of_engages_themes(vocabulary):
    rows = spreadsheet_rows(EXPORT_XLS.read_bytes())
    column = [str(c).strip().lower() for c in rows[0]].index("issue")
    issues = {name for row in rows[1:] for name in split_issues(str(row[column] or ""))}
    with open(UPR_CYCLE1_CSV, encoding="utf-8", newline="") as fh:
        issues |= {n.strip() for row in csv.DictReader(fh) for n in row["issues"].split(";") if n.strip()}
    assert len(issues) == 54 and "HIV - Aids" in issues
    resolved, unknown = map_names(sorted(issues))
    assert unknown == []
    assert set(resolved.values()) <= {t.name for t in curated_themes()}
    assert resolved["HIV - Aids"] == "HIV/AIDS" and resolved["Rights of the Child"] == "Rights of the child"


def test_loading_twice_adds_nothing_and_the_health_group_holds_the_coalitions_themes(vocabulary):
    themes = db.session.scalar(select(func.count()).select_from(Theme))
    again = load_vocabulary()
    assert again == {"themes": 0, "groups": 0, "mappings": 0, "folded": 0}
    assert db.session.scalar(select(func.count()).select_from(Theme)) == themes == len(curated_themes())
    assert {"Right to health", "HIV/AIDS", "Tuberculosis", "Sexual and reproductive health and rights",
            "Mental health", "Key populations", "LGBTI persons (sexual orientation and gender identity)",
            "Digital health and health data"} <= set(health_theme_names())
    assert "Death penalty" not in health_theme_names()


def test_a_theme_kept_from_a_form_is_folded_into_the_one_it_is_mapped_to(vocabulary, now):
    rec = create_recommendation(None, now, {"cycle": 3, "reference": "142.1", "recommending_state": "DE",
                                            "text": "Protect land", "response": "supported",
                                            "themes": ["Gardening rights", "hiv - aids"]})
    db.session.commit()
    assert rec.theme_names == ["Gardening rights", "HIV/AIDS"]  # a known theme, however it was typed
    assert save_theme_mapping(None, now, {"name": "gardening  RIGHTS", "theme": "Land rights"}).name == "Land rights"
    db.session.commit()
    assert get_recommendation(rec.id).theme_names == ["HIV/AIDS", "Land rights"]
    assert db.session.scalar(select(Theme).where(Theme.name == "Gardening rights")) is None
    mapping = db.session.scalar(select(ThemeMapping).where(ThemeMapping.vocabulary == "user"))
    assert (mapping.name, mapping.theme.name) == ("gardening RIGHTS", "Land rights")


def test_mappings_that_cannot_be_are_refused_naming_the_field(vocabulary, now):
    with pytest.raises(ValidationError) as exc:
        save_theme_mapping(None, now, {"name": "Gardening", "theme": "Astrology"})
    assert "No theme called 'Astrology'" in exc.value.fields["theme"][0]
    with pytest.raises(ValidationError) as exc:
        save_theme_mapping(None, now, {"name": "HIV/AIDS", "theme": "Right to health"})
    assert "one of engage's own themes" in exc.value.fields["name"][0]
    with pytest.raises(ValidationError) as exc:
        save_theme_mapping(None, now, {"name": " ", "theme": KEEP})
    assert exc.value.fields["name"] == ["Give the name to map."]
    assert save_theme_mapping(None, now, {"name": "Gardening", "theme": KEEP}).curated is False
    db.session.commit()
    assert ThemeIndex().get("gardening").name == "Gardening"
