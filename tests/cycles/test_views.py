"""The cycle pages: a timeline with the cycle's meetings, who was met, what is due next; leads keep them."""
import re
from datetime import date

from engage.cycles import services
from engage.extensions import db
from tests import factories
from tests.conftest import NOW
from tests.outcomes.helpers import make_world


def test_the_cycle_page_shows_milestones_and_meetings_in_order_with_who_was_met(app, staff_client, frozen):
    world = make_world(factories.make_user(role="staff", email="s2@example.org"),
                       factories.make_user(role="lead", email="l2@example.org"))
    services.add_milestone(None, NOW, services.get_cycle(5), {"kind": "wg_review", "due_on": date(2027, 1, 9)})
    services.add_milestone(None, NOW, services.get_cycle(5), {"kind": "own", "title": "Coalition report final",
                                                             "due_on": date(2026, 11, 15)})
    db.session.commit()
    page = staff_client.get("/cycles/5").get_data(as_text=True)
    assert re.search(r'id="figure-met">2<', page) and re.search(r'id="figure-not-met">2<', page)
    timeline = page[page.index('id="timeline"'):]
    order = [timeline.index(t) for t in ("Germany on HIV", "Coalition report final", "France in Geneva",
                                         "Working Group review")]
    assert order == sorted(order)
    assert "Brazil before the cycle" not in timeline  # June 2024: outside the window
    due = page[page.index('id="next-due"'):]
    assert "Working Group review" in due and "9 Jan 2027 (42 days)" in due
    assert "Add a milestone" not in page  # staff read; leads keep
    assert world.meetings["de"].title in page


def test_leads_create_a_cycle_and_its_milestones_and_bad_input_is_named(app, lead_client, staff_client, frozen):
    assert staff_client.get("/cycles/new").status_code == 403
    response = lead_client.post("/cycles/new", data={"number": "5", "wg_session": "63"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/cycles/5")
    bad = lead_client.post("/cycles/new", data={"number": "5"})
    assert bad.status_code == 200 and "A cycle with this number exists." in bad.get_data(as_text=True)

    added = lead_client.post("/cycles/5/milestones", data={"kind": "wg_review", "due_on": "2029-11-05",
                                                           "reminder_days": "28, 7"})
    assert added.status_code == 302
    cycle = services.get_cycle(5)
    assert cycle.review_on == date(2029, 11, 5) and cycle.milestones[0].reminder_days == [28, 7]
    assert cycle.starts_on == date(2028, 11, 5)
    refused = lead_client.post("/cycles/5/milestones", data={"kind": "own", "due_on": "2029-01-01"})
    assert refused.status_code == 422
    assert "Give your milestone a title" in refused.get_data(as_text=True)
    refused = lead_client.post("/cycles/5/milestones", data={"kind": "wg_review", "due_on": "next week"})
    assert "Must be a date written YYYY-MM-DD." in refused.get_data(as_text=True)
    assert len(services.get_cycle(5).milestones) == 1

    milestone = services.get_cycle(5).milestones[0]
    edit = lead_client.post(f"/cycles/5/milestones/{milestone.id}/edit",
                            data={"kind": "wg_review", "due_on": "2029-11-06", "reminder_days": ""})
    assert edit.status_code == 302
    db.session.expire_all()
    assert services.get_cycle(5).review_on == date(2029, 11, 6)
    assert services.get_cycle(5).milestones[0].reminder_days == []
    assert staff_client.post(f"/cycles/5/milestones/{milestone.id}/delete").status_code == 403
    assert lead_client.post(f"/cycles/5/milestones/{milestone.id}/delete").status_code == 302
    db.session.expire_all()
    assert services.get_cycle(5).milestones == []

    changed = lead_client.post("/cycles/5/edit", data={"number": "5", "wg_session": "63",
                                                       "window_starts_on": "2029-01-01", "window_ends_on": "2028-01-01"})
    assert changed.status_code == 200 and "must end on or after it starts" in changed.get_data(as_text=True)


def test_the_list_marks_the_current_cycle(app, staff_client, frozen):
    factories.make_cycle(number=4, window_starts_on="2024-05-01", window_ends_on="2025-09-08")
    factories.make_cycle(number=5, window_starts_on="2029-01-01", window_ends_on=None)
    page = staff_client.get("/cycles/").get_data(as_text=True)
    row = re.search(r"<tr class=\"table-primary\">(.*?)</tr>", page, re.S).group(1)
    assert "Cycle 4" in row and "current" in row
    assert staff_client.get("/cycles/6").status_code == 404


def test_a_french_reader_has_the_cycle_pages_in_french_and_an_english_one_in_english(app, lead_client, lead_user,
                                                                                     staff_client, frozen):
    lead_user.language = "fr"
    db.session.commit()
    factories.make_cycle(number=5, wg_session=63, window_starts_on="2026-01-01", window_ends_on=None)
    services.add_milestone(None, NOW, services.get_cycle(5), {"kind": "wg_review", "due_on": date(2027, 1, 9)})
    db.session.commit()

    listed = lead_client.get("/cycles/").get_data(as_text=True)
    assert "Cycles de l’EPU" in listed and "Nouveau cycle" in listed and "en cours" in listed
    page = lead_client.get("/cycles/5").get_data(as_text=True)
    assert "Chronologie" in page and "Ajouter une échéance" in page and "Numéro du cycle" not in page
    assert "Examen par le Groupe de travail (EPU 63)" in page and "(42 jours)" in page
    assert "Rappeler à l’équipe (jours avant)" in page  # the form's labels
    refused = lead_client.post("/cycles/5/milestones", data={"kind": "own", "due_on": "2029-01-01"})
    assert refused.status_code == 422
    assert "Donnez un titre à votre échéance" in refused.get_data(as_text=True)
    added = lead_client.post("/cycles/5/milestones", data={"kind": "pre_sessions", "due_on": "2026-12-02"},
                             follow_redirects=True).get_data(as_text=True)
    assert "Pré-sessions à Genève le 2 déc. 2026 : ajouté." in added
    window = lead_client.post("/cycles/5/edit", data={"number": "5", "window_starts_on": "2029-01-01",
                                                      "window_ends_on": "2028-01-01"}).get_data(as_text=True)
    assert "La période d’engagement doit se terminer le jour de son début (2029-01-01) ou après." in window

    english = staff_client.get("/cycles/5").get_data(as_text=True)
    assert "Timeline" in english and "Working Group review (UPR 63)" in english and "Chronologie" not in english
    # The API keeps English names: they are data.
    assert services.get_cycle(5).milestone("wg_review").name == "Working Group review (UPR 63)"
