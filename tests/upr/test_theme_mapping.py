"""Imports read themes in engage's vocabulary: a UPR Info export's issues become engage's themes, and a
name engage does not know is shown in the preview (page and command), mapped there, and applied next time."""
from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.recommendations.models import Recommendation, Theme, recommendation_theme
from engage.recommendations.vocabulary import curated_themes, load_vocabulary
from engage.upr.imports import import_recommendations_bytes

EXPORT_XLS = Path(__file__).parent / "data" / "uprinfo_export_sessions_1-5.xls"
FILE = ("cycle,reference,recommending_state,text,response,themes\n"
        "3,142.1,Germany,Ensure access to ARVs,supported,Right to health; Gardening rights; HIV - Aids\n"
        "3,142.2,France,Count clinics,noted,E41 Right to health - General\n").encode()


@pytest.fixture
def vocabulary(app):
    load_vocabulary()
    db.session.commit()


def _upload(client, content: bytes, **extra):
    return client.post("/recommendations/import", data={"file": (io.BytesIO(content), "recs.csv"), **extra},
                       content_type="multipart/form-data")


def _themes_of(reference: str) -> list[str]:
    return db.session.scalars(select(Recommendation).where(Recommendation.reference == reference)).one().theme_names


def test_a_upr_info_exports_issues_are_read_as_engages_themes(vocabulary, now):
    report = import_recommendations_bytes(EXPORT_XLS.read_bytes(), None, now, state_under_review="GB")
    assert report.ok and report.unknown_themes == []
    db.session.commit()
    used = set(db.session.scalars(select(Theme.name).join(recommendation_theme,
                                                          recommendation_theme.c.theme_id == Theme.id)))
    curated = {t.name for t in curated_themes()}
    assert used and used <= curated
    assert "Rights of the child" in used and "Rights of the Child" not in used
    # No theme was added beside engage's own.
    assert db.session.scalar(select(func.count()).select_from(Theme)) == len(curated)


def test_an_unknown_theme_shows_in_the_preview_and_its_mapping_applies_at_the_next_import(vocabulary, lead_client):
    preview = _upload(lead_client, FILE, dry_run="y")
    assert preview.status_code == 200
    page = unescape(preview.get_data(as_text=True))
    section = page[page.index('id="unknown-themes"'):page.index("</section>", page.index('id="unknown-themes"'))]
    assert "Themes engage does not know (1)" in section
    assert 'name="name" value="Gardening rights"' in section and "HIV - Aids" not in section
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 0  # a preview saves nothing

    saved = lead_client.post("/recommendations/themes/mappings",
                             data={"name": "Gardening rights", "theme": "Land rights", "back": "import"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/recommendations/import")
    assert "Saved 1 theme mapping; it applies from the next import." in lead_client.get(saved.headers["Location"]).get_data(as_text=True)

    again = _upload(lead_client, FILE, dry_run="y").get_data(as_text=True)
    assert 'id="unknown-themes"' not in again
    assert _upload(lead_client, FILE).status_code == 302
    assert _themes_of("142.1") == ["HIV/AIDS", "Land rights", "Right to health"]
    assert _themes_of("142.2") == ["Right to health"]
    assert db.session.scalar(select(Theme).where(Theme.name == "Gardening rights")) is None

    themes_page = unescape(lead_client.get("/recommendations/themes").get_data(as_text=True))
    assert re.search(r'data-mapping="Gardening rights"><td>Gardening rights</td><td>added by a user</td>'
                     r'<td>Land rights</td>', themes_page)
    assert ('data-mapping="Torture and other CID treatment"><td>Torture and other CID treatment</td>'
            '<td>UPR Info issue</td><td>Prohibition of torture and ill-treatment</td>') in themes_page


def test_a_name_kept_as_a_new_theme_is_known_next_time_and_bad_choices_are_refused(vocabulary, lead_client):
    refused = lead_client.post("/recommendations/themes/mappings", data={"name": "Gardening rights",
                                                                         "theme": "Astrology"})
    assert refused.status_code == 302
    assert "No theme called &#39;Astrology&#39;" in lead_client.get(refused.headers["Location"]).get_data(as_text=True)
    assert lead_client.post("/recommendations/themes/mappings",
                            data={"name": "Gardening rights", "theme": "__keep__"}).status_code == 302
    page = _upload(lead_client, FILE, dry_run="y").get_data(as_text=True)
    assert 'id="unknown-themes"' not in page
    assert _upload(lead_client, FILE).status_code == 302
    assert _themes_of("142.1") == ["Gardening rights", "HIV/AIDS", "Right to health"]


def test_staff_may_not_change_mappings(vocabulary, staff_client):
    assert staff_client.get("/recommendations/themes").status_code == 403
    assert staff_client.post("/recommendations/themes/mappings",
                             data={"name": "Gardening", "theme": "Land rights"}).status_code == 403


def test_the_command_lists_unknown_themes_and_maps_them(vocabulary, runner, tmp_path):
    path = tmp_path / "recs.csv"
    path.write_bytes(FILE)
    dry = runner.invoke(args=["engage", "import", "recommendations", "--dry-run", str(path)])
    assert dry.exit_code == 0, dry.output
    assert "Themes engage does not know (1), to be added as new themes:\n  Gardening rights\n" in dry.output
    mapped = runner.invoke(args=["engage", "themes", "map", "Gardening rights", "Land rights"])
    assert mapped.exit_code == 0 and "Gardening rights stands for Land rights." in mapped.output
    refused = runner.invoke(args=["engage", "themes", "map", "Gardening", "Astrology"])
    assert refused.exit_code == 1 and "No theme called 'Astrology'" in refused.output
    done = runner.invoke(args=["engage", "import", "recommendations", str(path)])
    assert done.exit_code == 0 and "does not know" not in done.output
    assert _themes_of("142.1") == ["HIV/AIDS", "Land rights", "Right to health"]


@pytest.mark.parametrize(("cycle", "state_rows"), [("cycle2", 163), ("cycle3", 215)])
def test_ohchrs_matrices_codes_and_theme_names_are_read_as_engages_themes(vocabulary, now, cycle, state_rows):
    raw = (Path(__file__).parent / "data" / f"ohchr_thematic_list_slovenia_{cycle}.docx").read_bytes()
    report = import_recommendations_bytes(raw, None, now, state_under_review="SI")
    assert report.ok and report.total == state_rows
    assert report.unknown_themes == []  # "Children: definition; general principles; protection" is one theme
    db.session.commit()
    used = set(db.session.scalars(select(Theme.name).join(recommendation_theme,
                                                          recommendation_theme.c.theme_id == Theme.id)))
    assert used <= {t.name for t in curated_themes()}
    assert {"Acceptance of international norms", "Rights of the child"} <= used
