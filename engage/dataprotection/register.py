"""The register of processing: generated from the configuration and counts in the data (pure reads)."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from engage.access.services import only_visible
from engage.auth.models import ApiToken, User
from engage.countries import country_name
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from engage.meetings.models import Attendee, Meeting, meeting_recommendation
from engage.outbox.models import OutboxMessage
from engage.outcomes.models import Outcome
from engage.recommendations.models import Recommendation

from .services import _like_any

# Topics that make a meeting's data sensitive (health, HIV and TB key populations, SOGI, SRHR).
SENSITIVE_TERMS = ("hiv", "aids", "tuberculosis", " tb ", "key population", "lgbt", "sogi", "sexual orientation",
                   "gender identity", "intersex", "sex work", "drug", "harm reduction", "sexual and reproductive",
                   "srhr", "abortion", "health")
# Webmail and calendar providers whose servers are outside Kenya.
PROVIDERS = {"gmail.com": "Google", "googlemail.com": "Google", "outlook.com": "Microsoft",
             "hotmail.com": "Microsoft", "live.com": "Microsoft", "yahoo.com": "Yahoo", "icloud.com": "Apple",
             "me.com": "Apple", "proton.me": "Proton", "protonmail.com": "Proton"}

PURPOSES = (
    ("Advocacy directory", "Keep the names, roles and contact details of officials and diplomats whom the "
                           "organisation engages on Kenya's Universal Periodic Review.", "Legitimate interest "
                           "(officials acting in their public role), or consent where recorded."),
    ("Meetings and invitations", "Arrange pre-session meetings, send calendar invitations, updates, "
                                 "cancellations and reminders, and record answers.", "Legitimate interest"),
    ("Engagement log", "Record what each meeting achieved against UPR recommendations, and follow-ups.",
     "Legitimate interest"),
    ("Reporting", "Coverage and outcome reports for the coalition's UPR submission.", "Legitimate interest"),
    ("Accounts and security", "Staff accounts, two-factor sign-in and the audit log of who saw what.",
     "Legal obligation (security of processing) and legitimate interest"),
)


def _count(query) -> int:
    # Counts of everything, restricted records included, whoever reads the register: no content shows.
    return db.session.scalar(query.execution_options(all_sensitivities=True)) or 0


def _seen(actor, query):
    # A list that names where contacts are: only those the reader may see (every contact without an actor).
    return only_visible(actor, query, Contact) if actor is not None else query


def sensitive_meeting_count() -> int:
    """Meetings whose title, purpose or agenda is about health, HIV/TB key populations, SOGI or SRHR."""
    terms = [t.strip() if t.strip() != "tb" else " tb " for t in SENSITIVE_TERMS]
    on_agenda = select(meeting_recommendation.c.meeting_id).join(
        Recommendation, Recommendation.id == meeting_recommendation.c.recommendation_id).where(
        _like_any(Recommendation.text, terms))
    return _count(select(func.count()).select_from(Meeting).where(or_(
        _like_any(Meeting.title, terms), _like_any(Meeting.description, terms), _like_any(Meeting.tags, terms),
        Meeting.sensitivity == "restricted", Meeting.id.in_(on_agenda))))


def build_register(now: datetime, config, actor=None) -> dict:
    """Everything the register page shows: purposes, categories, recipients, retention, transfers. Totals count
    every record; what names places or providers counts only the contacts `actor` may see."""
    live_contacts = select(func.count()).select_from(Contact).where(Contact.erased_at.is_(None))
    restricted = {name: _count(select(func.count()).select_from(model).where(model.sensitivity == "restricted"))
                  for name, model in (("contacts", Contact), ("meetings", Meeting), ("outcomes", Outcome))}
    categories = [
        {"name": "Identity and contact details of officials and diplomats",
         "detail": "Name, email, phone, position, organisation, language, time zone, where the details came from",
         "count": _count(live_contacts), "unit": "contacts", "sensitive": False},
        {"name": "Lawful basis, consent and objections",
         "detail": "Basis, consent wording and date, privacy notice date, do-not-contact",
         "count": _count(live_contacts.where(Contact.do_not_contact.is_(True))), "unit": "marked do not contact",
         "sensitive": False},
        {"name": "Meeting participation", "detail": "Which meetings each person was invited to, and their answers",
         "count": _count(select(func.count()).select_from(Attendee).where(Attendee.contact_id.is_not(None))),
         "unit": "invitations", "sensitive": False},
        {"name": "Meetings on health, HIV/TB key populations, SOGI or sexual and reproductive health",
         "detail": "Participation in such a meeting can reveal a person's views or associations",
         "count": sensitive_meeting_count(), "unit": "meetings", "sensitive": True},
        {"name": "Restricted records", "detail": "Contacts, meetings and outcomes visible only to granted users",
         "count": sum(restricted.values()), "unit": "records ({contacts} contacts, {meetings} meetings, "
                                                   "{outcomes} outcomes)".format(**restricted), "sensitive": True},
        {"name": "Outcomes and notes", "detail": "What was said and promised, follow-ups",
         "count": _count(select(func.count()).select_from(Outcome)), "unit": "outcomes", "sensitive": False},
        {"name": "Messages sent", "detail": "Stored invitations and reminders (bodies removed after the retention period)",
         "count": _count(select(func.count()).select_from(OutboxMessage)), "unit": "messages", "sensitive": False},
        {"name": "Staff accounts and audit log", "detail": "Names, emails, roles, sign-ins, addresses they came from",
         "count": _count(select(func.count()).select_from(User)), "unit": "accounts", "sensitive": False},
    ]
    mail_server = config.get("MAIL_SERVER")
    relay = config.get("ENGAGE_MAIL_RELAY_LOCATION") or ("Not stated: set ENGAGE_MAIL_RELAY_LOCATION"
                                                         if mail_server else "No mail relay configured")
    domains = Counter()
    for (email,) in db.session.execute(_seen(actor, select(Contact.email).where(Contact.erased_at.is_(None)))):
        domains[email.rsplit("@", 1)[-1].lower()] += 1
    providers = Counter()
    for domain, n in domains.items():
        if domain in PROVIDERS:
            providers[PROVIDERS[domain]] += n
    recipients = [
        {"name": "Mail relay", "detail": f"{mail_server} — located: {relay}" if mail_server
         else "none configured: messages wait in the outbox"},
        {"name": "Invitees' mail and calendar providers",
         "detail": "Each invitation goes to the invitee's own mailbox and calendar client"
                   + (": " + ", ".join(f"{p} ({n})" for p, n in providers.most_common()) if providers else "")},
        {"name": "API clients (coalition partners' tools)",
         "detail": f"{_count(select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None)))} "
                   "active API tokens"},
    ]
    year_ago = now - timedelta(days=365)
    abroad = db.session.execute(_seen(actor,
        select(Organisation.country, func.count(Contact.id)).join(Contact, Contact.organisation_id == Organisation.id)
        .where(Contact.erased_at.is_(None), Organisation.country.is_not(None), Organisation.country != "KE")
        .group_by(Organisation.country).order_by(func.count(Contact.id).desc(), Organisation.country))).all()
    geneva = _count(select(func.count()).select_from(Contact).join(Organisation)
                    .where(Contact.erased_at.is_(None), func.lower(Organisation.city) == "geneva"))
    abroad_emails = select(func.lower(Contact.email)).join(Organisation).where(
        Organisation.city.is_not(None), func.lower(Organisation.city) != "nairobi")
    messages_abroad = _count(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == "sent", OutboxMessage.sent_at >= year_ago,
        func.lower(OutboxMessage.recipient).in_(abroad_emails)))
    server = config.get("ENGAGE_SERVER_LOCATION") or "Not stated: set ENGAGE_SERVER_LOCATION"
    transfers = {
        "server": server, "server_in_kenya": "kenya" in server.lower(),
        "relay": relay, "relay_in_kenya": "kenya" in relay.lower(),
        "by_country": [(code, country_name(code) or code, n) for code, n in abroad],
        "geneva_contacts": geneva, "messages_abroad_last_year": messages_abroad,
        "providers": sum(providers.values()),
    }
    retention = [
        ("Stored message bodies", f"{config.get('ENGAGE_RETENTION_MESSAGE_DAYS') or 90} days after sending; "
                                  "the record that a message was sent stays"),
        ("Contacts with no activity", f"listed for review after {config.get('ENGAGE_RETENTION_REVIEW_MONTHS') or 24} "
                                      "months; the DPO erases or keeps them"),
        ("Erased contacts", "anonymised at once; meetings keep an anonymised participant"),
        ("Audit log", "kept; it holds no content"),
    ]
    return {"organisation": config.get("ENGAGE_ORGANISATION_NAME") or "The organisation",
            "dpo_email": config.get("ENGAGE_DPO_EMAIL"), "generated_at": now, "purposes": PURPOSES,
            "categories": categories, "recipients": recipients, "retention": retention, "transfers": transfers}
