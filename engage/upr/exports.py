"""CSV exports of the recommendation list and of the planning view."""
from __future__ import annotations

from engage.clock import format_multi_zone
from engage.countries import country_name
from engage.extensions import db
from engage.implementation import queries as implementation
from engage.spreadsheets import csv_text

from .planning import StatePlan


RECOMMENDATION_CSV_COLUMNS = ["id", "cycle", "reference", "recommending_state", "recommending_state_name",
                              "text", "response", "themes", "implementation_status", "action_category",
                              "wg_session", "review_date", "outcome_document", "responsible_organisation",
                              "notes", "sub_item", "recommending_states", "recommending_states_names", "sdgs",
                              "groups_of_persons", "source_of_position"]


def recommendations_csv(query, actor=None) -> str:
    """The recommendations of a select() as CSV (the same columns the import reads, and more): the
    implementation status is the latest assessment `actor` may see, the responsible organisations
    the leads (then those supporting), by name."""
    recs = list(db.session.scalars(query))
    ids = [rec.id for rec in recs]
    statuses = implementation.latest_statuses(actor, ids)
    responsible = implementation.responsibilities_for(ids)

    def rows():
        for rec in recs:
            status = statuses.get(rec.id)
            yield [rec.id, rec.cycle, rec.reference, rec.recommending_state, country_name(rec.recommending_state),
                   rec.text, rec.response, "; ".join(rec.theme_names), status.status if status else "",
                   rec.action_category, rec.wg_session, rec.review_date.isoformat() if rec.review_date else "",
                   rec.outcome_document, "; ".join(r.organisation.name for r in responsible.get(rec.id, [])), rec.notes,
                   rec.sub_item, "; ".join(rec.recommending_states), "; ".join(rec.state_names),
                   "; ".join(map(str, rec.sdgs)), "; ".join(rec.groups_of_persons or []), rec.source_of_position]
    return csv_text(RECOMMENDATION_CSV_COLUMNS, rows())


PLAN_CSV_COLUMNS = ["rank", "state", "state_code", "recommendations", "supported", "noted", "references",
                    "engaged_this_cycle", "mission", "place", "contacts", "last_meeting", "last_outcome_position",
                    "next_meeting"]


def plan_csv(plan: list[StatePlan]) -> str:
    """The planning view as CSV: one row per mission (or one per state that has none in the directory)."""
    def when(meeting):
        return format_multi_zone(meeting.starts_at, meeting.timezone) if meeting else ""

    def rows():
        for item in plan:
            head = [item.rank, item.name, item.state, item.count, item.count_with("supported"),
                    item.count_with("noted"), "; ".join(r.full_reference for r in item.recommendations),
                    "yes" if item.engaged else "no"]
            if not item.missions:
                yield head + ["", "", "", "", "", ""]
            for m in item.missions:
                contacts = "; ".join(f"{c.full_name} <{c.email}>" for c in m.contacts)
                yield head + [m.organisation.name, m.place, contacts, when(m.last_meeting),
                              m.last_outcome_position or "", when(m.next_meeting)]
    return csv_text(PLAN_CSV_COLUMNS, rows())
