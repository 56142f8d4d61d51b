"""A background import in French for an uploader who chose French: its page, its poll and the problems it keeps."""
from __future__ import annotations

import pytest
from flask import g

from engage.directory.models import Contact
from engage.importjobs import services
from tests.directory.pages import text as page_text
from tests.directory.test_import import upload
from tests.importjobs.test_jobs import contacts_file, count, job_id_of, the_job


@pytest.fixture(autouse=True)
def small_threshold(app):
    app.config["ENGAGE_IMPORT_JOB_ROWS"] = 100

    @app.before_request
    def _serve_each_client_as_itself():
        g.pop("_login_user", None)



def test_a_french_uploader_follows_the_job_and_reads_its_bad_lines_in_french(app, french_client, staff_client, now):
    raw = contacts_file(300, bad={250: "Repeat,person12@example.org,"})
    job_id = job_id_of(upload(french_client, "contacts", raw, filename="grand.csv"))
    page = page_text(french_client.get(f"/imports/{job_id}"))
    assert "Import de contacts" in page and "En attente de démarrage" in page and "Progression" in page
    assert "Vos imports en arrière-plan" in page_text(french_client.get("/directory/import"))
    state = french_client.get(f"/imports/{job_id}.json").get_json()
    assert (state["status"], state["status_label"]) == ("queued", "En attente de démarrage")

    assert services.run_next_import(now, app.config, "worker-a") == job_id
    assert count(Contact) == 0
    # Kept in the uploader's language, as the immediate import would have shown it on their page.
    assert the_job(job_id).errors == [[250, "email : person12@example.org figure déjà à la ligne 12"]]
    page = page_text(french_client.get(f"/imports/{job_id}"))
    assert "Rien n’a été importé" in page and "Téléverser un fichier corrigé" in page
    assert "<tr><td>250</td><td>email : person12@example.org figure déjà à la ligne 12</td></tr>" in page


def test_an_english_uploader_still_reads_english(app, staff_client, now):
    job_id = job_id_of(upload(staff_client, "contacts", contacts_file(300), filename="big.csv"))
    assert "Importing contacts" in page_text(staff_client.get(f"/imports/{job_id}"))
    services.run_next_import(now, app.config, "worker-a")
    page = page_text(staff_client.get(f"/imports/{job_id}"))
    assert "Imported 300: 300 created, 0 updated, 0 unchanged" in page and "See the contacts" in page
