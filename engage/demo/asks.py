"""The demo's asks: a dozen health asks of Kenya's 4th UPR cycle in the coalition's words, some on the
agendas of demo meetings with what the states said; and asks of the 1st cycle, matched against the 1st
cycle's real recommendations (the ones the demo ships), a few matches confirmed and the rest to decide.
The asks are invented for trying engage out, and marked so."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from engage.asks.matches import decide_match
from engage.asks.models import Ask
from engage.asks.services import create_ask
from engage.auth.models import User
from engage.clock import NAIROBI, UTC
from engage.directory.models import Contact
from engage.extensions import db
from engage.meetings.services import schedule_meeting
from engage.outcomes.services import create_outcome
from engage.recommendations.models import Recommendation

DEMO_CYCLE = 4
SOURCE = "Joint stakeholder report (demo), para. {}"
# (priority, themes, target states, words of past recommendations it builds on, text)
DEMO_ASKS = [
    ("high", ["Right to health", "Health financing"], ["DE", "SE", "GB", "NO"], ["health"],
     "Allocate at least 15% of the national budget to health, as pledged in the Abuja Declaration, and publish "
     "county health spending every year."),
    ("high", ["Universal health coverage", "Right to health"], ["DE", "FR", "GB", "ES"], ["health"],
     "Ensure that the Social Health Authority covers informal workers and people living in poverty, with no "
     "out-of-pocket payments for essential services."),
    ("high", ["HIV/AIDS", "Key populations"], ["DE", "SE", "NZ", "GB", "NO"], ["HIV"],
     "Repeal the laws that criminalise sex work, same-sex relations and drug use, which keep key populations "
     "away from HIV prevention and treatment."),
    ("high", ["HIV/AIDS", "Health financing"], ["DE", "FR", "SE"], ["HIV"],
     "Sustain domestic funding for HIV and TB programmes as donor funding declines, including for community-led "
     "services."),
    ("medium", ["Tuberculosis", "Right to health"], ["RW", "ZM", "GB"], [],
     "Adopt a rights-based TB law that protects people with TB from detention for non-adherence and guarantees "
     "free diagnosis and treatment."),
    ("high", ["Sexual and reproductive health", "Women's rights"], ["SE", "FR", "ES", "NZ"], ["women"],
     "Guarantee access to comprehensive sexual and reproductive health services, including safe abortion as "
     "provided by Article 26(4) of the Constitution, and restore the 2012 standards and guidelines."),
    ("medium", ["Sexual and reproductive health", "Children's rights"], ["SE", "NZ", "ZM"], ["child"],
     "Adopt and fund age-appropriate comprehensive sexuality education in all schools."),
    ("medium", ["Maternal health", "Universal health coverage"], ["RW", "ES", "FR"], ["maternal", "health"],
     "Fully fund free maternity services under Linda Mama in every county and end the detention of mothers "
     "unable to pay hospital bills."),
    ("high", ["Mental health", "Persons with disabilities"], ["GB", "NZ", "DE"], ["disabilit"],
     "Align the Mental Health (Amendment) Act 2022 with the Convention on the Rights of Persons with "
     "Disabilities and decriminalise attempted suicide."),
    ("medium", ["Mental health", "Right to health"], ["SE", "ES"], [],
     "Integrate community-based mental health services into primary health care, with a budget line in every "
     "county."),
    ("medium", ["Digital health", "Right to privacy"], ["DE", "FR", "NZ"], [],
     "Ensure that the Digital Health Act 2023 protects health data, with consent, independent oversight and "
     "remedies for people whose data is misused."),
    ("low", ["Digital health", "Universal health coverage"], ["RW", "ZM"], [],
     "Make sure digital health services reach rural communities and people with disabilities, and never "
     "replace in-person care for those who cannot use them."),
]


# The 1st cycle's asks, as the coalition could have pitched them before Kenya's review of May 2010: the
# recommendations of that review ship with the demo (engage/demo/data), the 4th cycle's do not, so
# matching is shown on these. (priority, themes, target states, text)
PAST_CYCLE = 1
PAST_SOURCE = "Joint stakeholder report 2010 (demo), para. {}"
PAST_ASKS = [
    ("high", ["Women's rights", "Rights of the Child"], ["DE", "HU"],
     "End FGM with a law that makes it a crime and a national policy that enforces it"),
    ("high", ["Right to health", "Women's rights"], ["TR", "SE"],
     "Every pregnant woman must be able to reach reproductive and antenatal health care"),
    ("high", ["Right to health", "Women's rights"], ["VA", "NO"],
     "Save the lives of mothers and their children in childbirth"),
    ("medium", ["Right to health"], ["CU", "ES"], "Free, good-quality public health services for the whole population"),
    ("medium", ["Right to water", "Right to food"], ["ES"],
     "Clean water and enough food for every household, above all in times of drought"),
    ("medium", ["Women's rights"], ["FR", "BR"],
     "A national plan to end violence against women, with indicators to measure progress"),
    ("high", ["Sexual orientation and gender identity"], ["NL", "CZ", "US", "FR"],
     "Decriminalise sexual relations between consenting adults of the same sex"),
]
# Verdicts already given: (ask's place in PAST_ASKS, paragraph, verdict, note); the other suggestions wait.
PAST_DECISIONS = [
    (0, "101.54", "full", "(demo) Law and national policy, as asked."),
    (1, "101.92", "full", None),
    (2, "101.94", "partial", "(demo) A general pledge: no target for deaths in childbirth."),
]


def _builds_on(words: list[str]) -> list[int]:
    """A few past recommendations whose text holds one of `words` (the 1st cycle's, when loaded)."""
    if not words:
        return []
    query = (select(Recommendation.id)
             .where(or_(*(func.lower(Recommendation.text).contains(w.lower()) for w in words)))
             .order_by(Recommendation.cycle, Recommendation.reference_sort).limit(2))
    return list(db.session.scalars(query))


def _organiser() -> User | None:
    return db.session.scalars(select(User).where(User.role.in_(("admin", "lead")), User.is_disabled.is_(False))
                              .order_by(User.id)).first()


def _contact(name: str) -> Contact | None:
    return db.session.scalars(select(Contact).where(Contact.full_name == name)).first()


def load_demo_asks(now: datetime, echo=print) -> bool:
    """Add the demo's asks of the 4th cycle, once; with a lead or admin to organise them, two past
    meetings with asks on their agendas and outcomes, and one to come; and the 1st cycle's asks with a
    few matches confirmed. False if all are already there."""
    if db.session.scalar(select(func.count()).select_from(Ask).where(Ask.source.like(SOURCE.format("%")))):
        echo("The demo's asks are already loaded.")
        return _past_cycle_asks(_organiser(), now, echo)
    organiser = _organiser()
    asks = []
    for n, (priority, themes, states, words, text) in enumerate(DEMO_ASKS, 1):
        asks.append(create_ask(organiser, now, {
            "cycle": DEMO_CYCLE, "text": text, "priority": priority, "source": SOURCE.format(10 + 2 * n),
            "themes": themes, "target_states": states, "recommendation_ids": _builds_on(words),
            "owner": organiser.id if organiser else None}))
    meetings = _demo_meetings(organiser, now, asks) if organiser is not None else 0
    echo(f"Loaded {len(asks)} demo asks of cycle {DEMO_CYCLE}" + (f", on {meetings} demo meetings." if meetings
                                                                  else "."))
    _past_cycle_asks(organiser, now, echo)
    return True


def _past_cycle_asks(organiser: User | None, now: datetime, echo) -> bool:
    """The 1st cycle's demo asks, once, when its recommendations are loaded; with a lead or admin to
    decide, a few suggestions confirmed. False if already there or nothing to match them against."""
    if db.session.scalar(select(func.count()).select_from(Ask).where(Ask.source.like(PAST_SOURCE.format("%")))):
        return False
    recommendations = {r.reference: r for r in db.session.scalars(
        select(Recommendation).where(Recommendation.cycle == PAST_CYCLE, Recommendation.sub_item == ""))}
    if not recommendations:
        return False
    asks = [create_ask(organiser, now, {
        "cycle": PAST_CYCLE, "text": text, "priority": priority, "source": PAST_SOURCE.format(20 + 3 * n),
        "themes": themes, "target_states": states, "owner": organiser.id if organiser else None})
        for n, (priority, themes, states, text) in enumerate(PAST_ASKS, 1)]
    decided = 0
    for index, reference, verdict, note in PAST_DECISIONS if organiser is not None else ():
        if reference in recommendations:
            decide_match(organiser, now, asks[index], {"recommendation_id": recommendations[reference].id,
                                                       "verdict": verdict, "note": note})
            decided += 1
    echo(f"Loaded {len(asks)} demo asks of cycle {PAST_CYCLE}, matched against its recommendations"
         + (f": {decided} matches confirmed, the others to decide." if decided else "."))
    return True


def _demo_meetings(organiser: User, now: datetime, asks: list[Ask]) -> int:
    """Two meetings held with asks on their agendas and what the states said; one still to come."""
    germany, sweden, new_zealand = (_contact(n) for n in ("Jonas Becker", "Sofia Lindqvist", "Aroha Ngata"))
    if not (germany and sweden and new_zealand):
        return 0
    day = (now - timedelta(days=21)).astimezone(UTC).replace(hour=7, minute=0, second=0, microsecond=0)

    def meeting(title, contact, starts_at, agenda, status, zone=NAIROBI):
        return schedule_meeting(organiser, now, {
            "title": title, "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=1), "timezone": zone,
            "location": contact.organisation.name if contact.organisation else "Nairobi", "status": status,
            "organiser_id": organiser.id, "attendees": [{"contact_id": contact.id}], "staff_ids": [organiser.id],
            "ask_ids": [a.id for a in agenda], "notify": False, "allow_conflicts": True,
            "tags": ["4th cycle pre-session", "demo"]}).meeting

    berlin = meeting("4th cycle pre-session: Germany (demo)", germany, day, [asks[0], asks[2], asks[10]], "held")
    create_outcome(organiser, now, berlin, {
        "ask_id": asks[2].id, "position": "will_make", "summary": "(demo) Germany will recommend decriminalisation "
        "in line with its HIV strategy; it asked for the JSR's data on arrests of key populations."},
        [{"description": "Send the arrest data from the joint report", "due_on": (day + timedelta(days=7)).date(),
          "owner": organiser.id}])
    create_outcome(organiser, now, berlin, {
        "ask_id": asks[0].id, "position": "other_wording", "summary": "(demo) Supportive, but will not name a "
        "percentage.", "proposed_wording": "Increase public investment in health towards the Abuja target and "
        "improve the transparency of county health budgets."})
    create_outcome(organiser, now, berlin, {"ask_id": asks[10].id, "position": "not_discussed",
                                            "summary": "(demo) No time left for digital health."})
    stockholm = meeting("4th cycle pre-session: Sweden (demo)", sweden, day + timedelta(days=7),
                        [asks[5], asks[9]], "held")
    create_outcome(organiser, now, stockholm, {
        "ask_id": asks[5].id, "position": "will_make", "summary": "(demo) Sweden will recommend access to safe "
        "abortion and comprehensive sexuality education, as in earlier cycles."})
    create_outcome(organiser, now, stockholm, {
        "ask_id": asks[9].id, "position": "will_consider", "summary": "(demo) Will consult Stockholm on mental "
        "health; asked for the coalition's county data."})
    meeting("4th cycle pre-session: New Zealand in Geneva (demo)", new_zealand,
            (now + timedelta(days=10)).astimezone(UTC).replace(hour=8, minute=0, second=0, microsecond=0),
            [asks[2], asks[5], asks[8]], "scheduled", zone="Europe/Zurich")
    return 3
