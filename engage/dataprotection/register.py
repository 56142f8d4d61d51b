"""The register of processing: generated from the configuration and counts in the data (pure reads)."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from engage.access.services import only_visible
from engage.auth.models import ApiToken, User
from engage.countries import country_name
from engage.directory.models import Contact, Organisation
from engage.extensions import db
from engage.i18n import N_
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

# In English, translated where shown (the register is read in the reader's language).
PURPOSES = (
    (N_("Advocacy directory"), N_("Keep the names, roles and contact details of officials and diplomats whom the "
                                  "organisation engages on Kenya's Universal Periodic Review."),
     N_("Legitimate interest (officials acting in their public role), or consent where recorded.")),
    (N_("Meetings and invitations"), N_("Arrange pre-session meetings, send calendar invitations, updates, "
                                        "cancellations and reminders, and record answers."), N_("Legitimate interest")),
    (N_("Engagement log"), N_("Record what each meeting achieved against UPR recommendations, and follow-ups."),
     N_("Legitimate interest")),
    (N_("Reporting"), N_("Coverage and outcome reports for the coalition's UPR submission."),
     N_("Legitimate interest")),
    (N_("Accounts and security"), N_("Staff accounts, two-factor sign-in and the audit log of who saw what."),
     N_("Legal obligation (security of processing) and legitimate interest")),
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
    every record; what names places or providers counts only the contacts `actor` may see. Its words are in
    the page's language (English outside a request); the purposes are translated by the page."""
    live_contacts = select(func.count()).select_from(Contact).where(Contact.erased_at.is_(None))
    restricted = {name: _count(select(func.count()).select_from(model).where(model.sensitivity == "restricted"))
                  for name, model in (("contacts", Contact), ("meetings", Meeting), ("outcomes", Outcome))}
    categories = [
        {"name": _("Identity and contact details of officials and diplomats"),
         "detail": _("Name, email, phone, position, organisation, language, time zone, where the details came from"),
         "count": _count(live_contacts), "unit": _("contacts"), "sensitive": False},
        {"name": _("Lawful basis, consent and objections"),
         "detail": _("Basis, consent wording and date, privacy notice date, do-not-contact"),
         "count": _count(live_contacts.where(Contact.do_not_contact.is_(True))), "unit": _("marked do not contact"),
         "sensitive": False},
        {"name": _("Meeting participation"), "detail": _("Which meetings each person was invited to, and their answers"),
         "count": _count(select(func.count()).select_from(Attendee).where(Attendee.contact_id.is_not(None))),
         "unit": _("invitations"), "sensitive": False},
        {"name": _("Meetings on health, HIV/TB key populations, SOGI or sexual and reproductive health"),
         "detail": _("Participation in such a meeting can reveal a person's views or associations"),
         "count": sensitive_meeting_count(), "unit": _("meetings"), "sensitive": True},
        {"name": _("Restricted records"), "detail": _("Contacts, meetings and outcomes visible only to granted users"),
         "count": sum(restricted.values()), "unit": _("records (%(contacts)s contacts, %(meetings)s meetings, "
                                                      "%(outcomes)s outcomes)", **restricted), "sensitive": True},
        {"name": _("Outcomes and notes"), "detail": _("What was said and promised, follow-ups"),
         "count": _count(select(func.count()).select_from(Outcome)), "unit": _("outcomes"), "sensitive": False},
        {"name": _("Messages sent"),
         "detail": _("Stored invitations and reminders (bodies removed after the retention period)"),
         "count": _count(select(func.count()).select_from(OutboxMessage)), "unit": _("messages"), "sensitive": False},
        {"name": _("Staff accounts and audit log"), "detail": _("Names, emails, roles, sign-ins, addresses they came from"),
         "count": _count(select(func.count()).select_from(User)), "unit": _("accounts"), "sensitive": False},
    ]
    mail_server = config.get("MAIL_SERVER")
    relay = config.get("ENGAGE_MAIL_RELAY_LOCATION") or (_("Not stated: set ENGAGE_MAIL_RELAY_LOCATION")
                                                         if mail_server else _("No mail relay configured"))
    domains = Counter()
    for (email,) in db.session.execute(_seen(actor, select(Contact.email).where(Contact.erased_at.is_(None)))):
        domains[email.rsplit("@", 1)[-1].lower()] += 1
    providers = Counter()
    for domain, n in domains.items():
        if domain in PROVIDERS:
            providers[PROVIDERS[domain]] += n
    by_provider = ", ".join(f"{p} ({n})" for p, n in providers.most_common())
    tokens = _count(select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None)))
    recipients = [
        {"name": _("Mail relay"), "detail": _("%(server)s — located: %(relay)s", server=mail_server, relay=relay)
         if mail_server else _("none configured: messages wait in the outbox")},
        {"name": _("Invitees' mail and calendar providers"),
         "detail": _("Each invitation goes to the invitee's own mailbox and calendar client: %(providers)s",
                     providers=by_provider) if providers
         else _("Each invitation goes to the invitee's own mailbox and calendar client")},
        {"name": _("API clients (coalition partners' tools)"),
         "detail": _("%(count)s active API tokens", count=tokens)},
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
    server = config.get("ENGAGE_SERVER_LOCATION") or _("Not stated: set ENGAGE_SERVER_LOCATION")
    transfers = {
        "server": server, "server_in_kenya": "kenya" in server.lower(),
        "relay": relay, "relay_in_kenya": "kenya" in relay.lower(),
        "by_country": [(code, country_name(code) or code, n) for code, n in abroad],
        "geneva_contacts": geneva, "messages_abroad_last_year": messages_abroad,
        "providers": sum(providers.values()),
    }
    days = config.get("ENGAGE_RETENTION_MESSAGE_DAYS") or 90
    months = config.get("ENGAGE_RETENTION_REVIEW_MONTHS") or 24
    retention = [
        (_("Stored message bodies"), _("%(days)s days after sending; the record that a message was sent stays",
                                       days=days)),
        (_("Contacts with no activity"), _("listed for review after %(months)s months; the DPO erases or keeps them",
                                           months=months)),
        (_("Erased contacts"), _("anonymised at once; meetings keep an anonymised participant")),
        (_("Audit log"), _("kept; it holds no content")),
    ]
    return {"organisation": config.get("ENGAGE_ORGANISATION_NAME") or _("The organisation"),
            "dpo_email": config.get("ENGAGE_DPO_EMAIL"), "generated_at": now, "purposes": PURPOSES,
            "categories": categories, "recipients": recipients, "retention": retention, "transfers": transfers}
