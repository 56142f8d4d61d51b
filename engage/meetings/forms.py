"""Meeting forms: booking and editing (local date and time in a chosen zone), cancelling, slots, feeds."""
from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import (BooleanField, DateField, IntegerField, RadioField, SelectField, SelectMultipleField,
                     StringField, TextAreaField, TimeField)
from wtforms.validators import InputRequired, NumberRange, Optional

from engage import clock
from engage.i18n import TITLE_LANGUAGES
from engage.access.models import SENSITIVITIES
from engage.access.services import only_visible, select_visible
from engage.asks.services import agenda_choices, asks_for_states
from engage.auth.models import User
from engage.directory.models import Contact, Organisation
from engage.directory.services import live_contacts
from engage.errors import ServiceError, ValidationError
from engage.extensions import db
from engage.members.models import DEFAULT_SHARING, SHARING
from engage.forms import apply_errors, mark_required, picker
from engage.recommendations.models import Recommendation, RecommendationState
from engage.recommendations.queries import recommendation_choices

from .models import LOCATION_KINDS, Meeting
from .schemas import MeetingCreate, default_reminders

OFFSET_RE = re.compile(r"^(\d{1,5})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?)?$", re.I)


def zone_choices() -> list[tuple[str, str]]:
    """Nairobi and Geneva first, then every IANA zone."""
    first = [(clock.NAIROBI, _("Nairobi (Africa/Nairobi)")), (clock.GENEVA, _("Geneva (Europe/Zurich)"))]
    return first + [(z, z.replace("_", " ")) for z in clock.all_timezones() if z not in (clock.NAIROBI, clock.GENEVA)]


def format_offsets(minutes: list[int]) -> str:
    """[1440, 60] → '24h, 1h'."""
    return ", ".join(f"{m // 60}h" if m % 60 == 0 else f"{m}m" for m in minutes or [])


def parse_offsets(text: str) -> list[int]:
    """'24h, 1h' or '1d, 30m' or '1440, 60' → minutes; ValueError naming the bad part."""
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        match = OFFSET_RE.match(part)
        if not match:
            raise ValueError(_("“%(part)s” is not a length of time; write e.g. 24h, 1h or 30m.", part=part[:20]))
        number, unit = int(match.group(1)), (match.group(2) or "m").lower()
        out.append(number * (1440 if unit.startswith("d") else 60 if unit.startswith("h") else 1))
    return out


def _int_list(values) -> list[int]:
    return [int(v) for v in values or [] if str(v).isdigit()]


def zone_of(contacts) -> str | None:
    """The time zone most of these contacts are in (their own, else their organisation's city), or None
    when there are none or no zone has more of them than every other."""
    counts = Counter(c.effective_timezone for c in contacts)
    ranked = counts.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def contact_choice(contact: Contact, label: str | None = None) -> tuple:
    """A picker option: the name with the organisation and city to search by, the name alone for its chip,
    and the zone the booking form moves to when the contact is chosen (meeting-form.js)."""
    org = contact.organisation
    where = org.name if org else _("no organisation")
    city = org.city if org else None
    if city and city.lower() not in where.lower():
        where = f"{where}, {city}"
    return (contact.id, label or f"{contact.full_name} — {where}",
            {"data-name": contact.full_name, "data-zone": contact.effective_timezone})


def latest_recommendations_of(state: str) -> list[int]:
    """The ids of the recommendations `state` made (alone or jointly) in the latest cycle it made any, in natural order."""
    made = Recommendation.id.in_(select(RecommendationState.recommendation_id).where(RecommendationState.state == state))
    cycle = db.session.scalar(select(func.max(Recommendation.cycle)).where(made))
    if cycle is None:
        return []
    return list(db.session.scalars(select(Recommendation.id).where(made, Recommendation.cycle == cycle)
                                   .order_by(Recommendation.reference_sort, Recommendation.sub_item, Recommendation.id)))


PEOPLE_HELP = _l("Type part of a name, organisation or city, then Enter; Backspace removes the last one.")


class MeetingForm(FlaskForm):
    """Booking and editing: the time is typed as a local time in the meeting's zone.

    It only shows the fields and carries the CSRF token: what is valid is MeetingCreate's to say
    (meetings/schemas.py), and each field is named as that schema names it, so its errors land
    beside it. A few inputs keep the names the page has always posted (name=...).
    """

    title = StringField(_l("Title"), validators=[Optional()], description=_l("For staff, e.g. "
                        "“Pre-session meeting: Mission of Germany”."))
    invitation_title = StringField(_l("Title for invitations"), validators=[Optional()],
                                   description=_l("What invitations and reminders say; leave empty for "
                                   "“Meeting with <organisation>”. Restricted meetings never show more."))
    # The same title for recipients who read French, Spanish or Kiswahili (their contact's language);
    # left empty, French and Spanish readers get "Réunion avec …" / "Reunión con …", Kiswahili readers English.
    invitation_title_fr = StringField(_l("Title for invitations in French"), validators=[Optional()])
    invitation_title_es = StringField(_l("Title for invitations in Spanish"), validators=[Optional()])
    invitation_title_sw = StringField(_l("Title for invitations in Kiswahili"), validators=[Optional()])
    description = TextAreaField(_l("Purpose"), validators=[Optional()], render_kw={"rows": 3})
    date = DateField(_l("Date"), validators=[Optional()])
    starts_at = TimeField(_l("Starts at"), name="start_time", validators=[Optional()])
    ends_at = TimeField(_l("Ends at"), name="end_time", validators=[Optional()])
    timezone = SelectField(_l("Time zone of these times"), default=clock.NAIROBI)
    fold = RadioField(_l("Which one?"), choices=[], validators=[Optional()])
    location_kind = RadioField(_l("Where"), choices=[(k, _l(v)) for k, v in LOCATION_KINDS.items()], default="in_person")
    location = StringField(_l("Address"), validators=[Optional()])
    online_url = StringField(_l("Link to join"), validators=[Optional()], description=_l("Needed for online and hybrid "
                             "meetings, e.g. https://…"))
    organiser = SelectField(_l("Organiser"), name="organiser_id", coerce=int)
    staff = SelectMultipleField(_l("Staff taking part"), name="staff_ids", coerce=int, validators=[Optional()],
                                render_kw=picker(_l("Type part of a name or email, then Enter."), _l("Add staff…")))
    required_contact_ids = SelectMultipleField(_l("Attendees (required)"), coerce=int, validators=[Optional()],
                                               render_kw=picker(PEOPLE_HELP, _l("Add an attendee…")))
    optional_contact_ids = SelectMultipleField(_l("Attendees (optional)"), coerce=int, validators=[Optional()],
                                               render_kw=picker(PEOPLE_HELP, _l("Add an attendee…")))
    recommendation_ids = SelectMultipleField(
        _l("Agenda: UPR recommendations"), coerce=int, validators=[Optional()],
        render_kw=picker(_l("Type a reference (101.2), a state or words of the text, then Enter."),
                         _l("Add a recommendation…")))
    ask_ids = SelectMultipleField(
        _l("Agenda: our asks"), coerce=int, validators=[Optional()],
        description=_l("The latest cycle's asks; those for the states of the people you meet come first."),
        render_kw=picker(_l("Type words of the ask or a state, then Enter."), _l("Add an ask…")))
    tags = StringField(_l("Tags"), validators=[Optional()], description=_l("Separated by commas, e.g. "
                       "“4th cycle pre-session, health”."))
    reminders = StringField(_l("Reminders before the start"), default="24h, 1h",
                            description=_l("Separated by commas, e.g. 24h, 1h or 30m."))
    notify = BooleanField(_l("Send invitations to the attendees"), default=True)
    already_held = BooleanField(_l("It already took place: record it as held (no invitations)"))
    allow_conflicts = BooleanField(_l("Book it anyway, despite the clashes listed above"))
    no_attendees_ok = BooleanField(_l("Book it anyway, with no attendees"))
    sensitivity = SelectField(_l("Sensitivity"), choices=[(k, _l(v)) for k, v in SENSITIVITIES.items()],
                              default="internal",
                              description=_l("Restricted: only people granted it, and the data-protection officer, "
                                             "can find this meeting and its outcomes."))
    # Offered only in a coalition (offer_sharing), so a single organisation's form says nothing of members.
    sharing = SelectField(_l("What other member organisations see"), choices=[], default="", validate_choice=False,
                          description=_l("Private: nothing; they do not know it exists. In summary: that it took "
                                         "place, with whom, on which asks and recommendations; not its purpose, "
                                         "outcomes or follow-ups. In full: all of it. A restricted meeting is never "
                                         "shared, whatever this says."))
    sharing_offered = False

    fold_needed = False
    # Asked once a booking has no attendees (see meetings.views.new).
    ask_no_attendees = False
    # Errors for a schema field shown by more than one input (attendees: the two pickers).
    other_errors: dict[str, list[str]] = {}
    # Fields the schema names whose input could not be read here (a missing date, say): what the form
    # says about them replaces the schema's "This is required." (see read).
    _unread: set[str] = set()

    def offer_sharing(self, actor) -> "MeetingForm":
        """Offer the choice of what other member organisations see (a coalition's booking form), its
        member's default chosen until the form says otherwise."""
        self.sharing_offered = True
        self.sharing.choices = [(key, _(label)) for key, label in SHARING.items()]
        if not self.sharing.data:  # nothing posted yet (a value posted is the schema's to check)
            member = getattr(actor, "member", None)
            self.sharing.data = member.default_sharing if member is not None else DEFAULT_SHARING
        return self

    def setup(self, organisation: Organisation | None = None) -> "MeetingForm":
        """Fill the pickers from the directory (an organisation's contacts listed first)."""
        self.timezone.choices = zone_choices()
        users = list(db.session.scalars(select(User).where(User.is_disabled.is_(False)).order_by(User.full_name)))
        self.organiser.choices = [(u.id, u.display_name) for u in users]
        self.staff.choices = [(u.id, f"{u.display_name} <{u.email}>", {"data-name": u.display_name}) for u in users]
        contacts = live_contacts(current_user)
        keep = set(self.required_contact_ids.data or []) | set(self.optional_contact_ids.data or [])
        if organisation is not None:
            contacts.sort(key=lambda c: (c.organisation_id != organisation.id, c.full_name.lower()))
        choices = [contact_choice(c) for c in contacts]
        # Archived contacts still on a meeting stay listed so that editing does not drop them.
        for c in db.session.scalars(select_visible(current_user, Contact).where(Contact.id.in_(keep),
                                                                                Contact.is_archived.is_(True))):
            choices.append(contact_choice(c, _("%(name)s (archived)", name=c.full_name)))
        self.required_contact_ids.choices = choices
        self.optional_contact_ids.choices = choices
        self.recommendation_ids.choices = recommendation_choices()
        # The states being met: the attendees' organisations' countries (and the organisation booked from).
        chosen = set(self.required_contact_ids.data or []) | set(self.optional_contact_ids.data or [])
        states = {c.organisation.country for c in contacts if c.id in chosen and c.organisation is not None}
        if organisation is not None:
            states.add(organisation.country)
        self.ask_ids.choices = agenda_choices(states, self.ask_ids.data or [])
        mark_required(self, MeetingCreate)  # the stars, and maxlength from the schema's lengths
        self.date.flags.required = True  # read with the times into starts_at and ends_at
        self._set_fold_choices()
        return self

    def _set_fold_choices(self) -> None:
        problem = None
        if self.date.data and self.timezone.data and clock.is_valid_timezone(self.timezone.data):
            for at in (self.starts_at.data, self.ends_at.data):
                if at and clock.local_time_problem(self.date.data, at, self.timezone.data) == "fold":
                    problem = at
                    break
        if problem is not None:
            self.fold.choices = [(str(v), label) for v, label in
                                 clock.fold_choices(self.date.data, problem, self.timezone.data)]
            self.fold_needed = True
        else:
            self.fold.choices = [("0", _("the first")), ("1", _("the second"))]

    # ---- filling the form ----

    def prefill_from_link(self, args, user: User) -> Organisation | None:
        """Fill from ?organisation_id=&contact_id=…&recommendation_id=…&agenda=state&date=&time=&zone=&minutes=.

        The zone is the one most of the attendees are in (Geneva people: Geneva time), else the
        organisation's, else the user's own; `agenda=state` puts the organisation's state's latest
        recommendations on the agenda.
        """
        organisation = None
        org_id = args.get("organisation_id", "")
        if org_id.isdigit() and len(org_id) < 10:
            organisation = db.session.get(Organisation, int(org_id))
        self.organiser.data = user.id
        self.staff.data = [user.id]
        self.reminders.data = format_offsets(default_reminders())
        self.timezone.data = user.timezone if clock.is_valid_timezone(user.timezone) else clock.NAIROBI
        zone_chosen = False
        if organisation is not None:
            self.title.data = _("Meeting with %(names)s", names=organisation.name)
            self.timezone.data, zone_chosen = organisation.effective_timezone, True
        contact_ids = [i for i in _int_list(args.getlist("contact_id")) if i <= 2**31 - 1]
        if contact_ids:
            live = {c.id: c for c in db.session.scalars(select_visible(user, Contact).where(
                Contact.id.in_(contact_ids), Contact.is_archived.is_(False)))}
            self.required_contact_ids.data = [i for i in dict.fromkeys(contact_ids) if i in live]
            chosen = [live[i] for i in self.required_contact_ids.data]
            if organisation is None and len(chosen) == 1 and chosen[0].organisation is not None:
                self.title.data = _("Meeting with %(names)s", names=chosen[0].organisation.name)
            zone = zone_of(chosen)
            if zone:
                self.timezone.data, zone_chosen = zone, True
        self.recommendation_ids.data = [i for i in _int_list(args.getlist("recommendation_id")) if i <= 2**31 - 1]
        if args.get("agenda") == "state" and organisation is not None and organisation.country \
                and not self.recommendation_ids.data:
            self.recommendation_ids.data = latest_recommendations_of(organisation.country)
        self.ask_ids.data = [i for i in _int_list(args.getlist("ask_id")) if i <= 2**31 - 1]
        if args.get("agenda") == "state" and organisation is not None and organisation.country \
                and not self.ask_ids.data:
            self.ask_ids.data = [a.id for a in asks_for_states([organisation.country])]
        zone = args.get("zone")
        if zone and clock.is_valid_timezone(zone):
            self.timezone.data, zone_chosen = zone, True
        if not zone_chosen:
            # Nobody said where: the page moves the zone to the attendees' as they are picked.
            self.timezone.render_kw = {**(self.timezone.render_kw or {}), "data-follow-attendees": ""}
        try:
            if args.get("date"):
                self.date.data = date.fromisoformat(args["date"])
            if args.get("time"):
                self.starts_at.data = time.fromisoformat(args["time"])
                minutes = int(args.get("minutes", "60"))
                if self.date.data and 5 <= minutes <= 720:
                    end = datetime.combine(self.date.data, self.starts_at.data) + timedelta(minutes=minutes)
                    self.ends_at.data = end.time() if end.date() == self.date.data else None
        except ValueError:
            pass  # a mangled link just leaves those fields empty
        return organisation

    def fill_from_meeting(self, meeting: Meeting, people=None) -> None:
        """The meeting's values, times as local times in its own zone."""
        start, end = (v.astimezone(ZoneInfo(meeting.timezone)) for v in (meeting.starts_at, meeting.ends_at))
        self.title.data, self.description.data = meeting.title, meeting.description
        self.invitation_title.data = meeting.invitation_title
        for language in TITLE_LANGUAGES:
            self[f"invitation_title_{language}"].data = (meeting.invitation_titles or {}).get(language)
        self.date.data, self.starts_at.data, self.ends_at.data = start.date(), start.time(), end.time()
        self.timezone.data = meeting.timezone
        self.fold.data = str(start.fold or end.fold)
        self.location_kind.data, self.location.data = meeting.location_kind, meeting.location
        self.online_url.data = meeting.online_url
        self.organiser.data = meeting.organiser_id
        self.staff.data = [a.user_id for a in meeting.staff_attendees]
        # Only the contacts this reader may see: the others stay on the meeting (the service keeps
        # what the form never showed).
        contacts = people.contacts if people is not None else meeting.contact_attendees
        self.required_contact_ids.data = [a.contact_id for a in contacts if a.role == "required"]
        self.optional_contact_ids.data = [a.contact_id for a in contacts if a.role == "optional"]
        self.recommendation_ids.data = [r.id for r in meeting.recommendations]
        self.ask_ids.data = [a.id for a in meeting.asks]
        self.tags.data = ", ".join(meeting.tags or [])
        self.reminders.data = format_offsets(meeting.reminder_offsets)
        self.sensitivity.data = meeting.sensitivity or "internal"

    # ---- reading the form ----

    def _read_instants(self, errors: dict) -> dict:
        """The typed local date and times as instants, by the schema's names; what cannot be read goes
        into `errors` (a missing date, a time the clocks skip, a doubled time not yet chosen)."""
        day, zone = self.date.data, self.timezone.data
        read_fine = True
        if day is None:
            if not self.date.errors:  # an unreadable date already says so
                errors["date"] = [_("Choose the date.")]
            read_fine = False
        for name, field, missing in (("starts_at", self.starts_at, _("Give the start time (24-hour).")),
                                     ("ends_at", self.ends_at, _("Give the end time (24-hour)."))):
            if field.data is None:
                if not field.errors:
                    errors[name] = [missing]
                read_fine = False
        if not clock.is_valid_timezone(zone):
            read_fine = False  # the schema names the zone
        if not read_fine:
            return {}
        fold = int(self.fold.data) if self.fold.data in ("0", "1") else None
        values = {}
        for name, at in (("starts_at", self.starts_at.data), ("ends_at", self.ends_at.data)):
            try:
                values[name] = clock.localise(day, at, zone, fold=fold)
            except clock.LocalTimeError as exc:
                if clock.local_time_problem(day, at, zone) == "gap":
                    errors[name] = [_("%(problem)s. Choose a time before or after the change.", problem=exc)]
                else:
                    errors["fold"] = [f"{exc}."]
        if len(values) < 2:
            return {}
        if values["ends_at"] <= values["starts_at"]:
            errors["ends_at"] = [_("The end must be after the start (same day).")]
        return values

    def instants(self) -> tuple[datetime, datetime]:
        """The typed local date and times as instants; ValidationError naming what cannot be read."""
        errors: dict = {}
        values = self._read_instants(errors)
        if not clock.is_valid_timezone(self.timezone.data):
            errors.setdefault("timezone", [_("Choose a time zone from the list.")])
        if not errors and len(values) < 2:
            # Nothing read and nothing new to say: a field's own error (a time that is not a time) said it.
            errors = {name: list(f.errors) for name, f in
                      (("date", self.date), ("starts_at", self.starts_at), ("ends_at", self.ends_at)) if f.errors}
        if errors or len(values) < 2:
            raise ValidationError.for_fields(errors or {"date": [_("Choose the date and times.")]})
        return values["starts_at"], values["ends_at"]

    def preview(self) -> str | None:
        """The typed time in its zone, Nairobi and Geneva, when it makes sense; else None."""
        if not (self.date.data and self.starts_at.data and self.ends_at.data):
            return None
        try:
            starts_at, ends_at = self.instants()
        except ValidationError:
            return None
        return clock.format_multi_zone_range(starts_at, ends_at, self.timezone.data)

    def read(self) -> tuple[dict, dict[str, list[str]]]:
        """The fields by MeetingCreate's names, and the problems of reading them (times, reminders, and
        each input's own, such as a choice not on the list); the schema judges the rest."""
        errors: dict[str, list[str]] = {}
        data: dict = self._read_instants(errors)
        self._unread = {"starts_at", "ends_at"} - set(data)
        try:
            data["reminders"] = parse_offsets(self.reminders.data)
        except ValueError as exc:
            errors["reminders"] = [str(exc)]
            self._unread.add("reminders")
        for name, field in self._fields.items():
            if name != "csrf_token" and field.errors:
                errors.setdefault(name, list(field.errors))
        required = list(dict.fromkeys(self.required_contact_ids.data or []))
        optional = [i for i in dict.fromkeys(self.optional_contact_ids.data or []) if i not in required]
        data.update({
            "title": self.title.data, "description": self.description.data,
            "invitation_title": self.invitation_title.data, "timezone": self.timezone.data,
            "invitation_titles": {language: self[f"invitation_title_{language}"].data for language in TITLE_LANGUAGES},
            "location_kind": self.location_kind.data, "location": self.location.data,
            "online_url": self.online_url.data, "organiser": self.organiser.data,
            "staff": list(self.staff.data or []),
            "attendees": [{"contact_id": i, "role": "required"} for i in required]
            + [{"contact_id": i, "role": "optional"} for i in optional],
            "recommendation_ids": list(self.recommendation_ids.data or []),
            "ask_ids": list(self.ask_ids.data or []),
            "tags": [t for t in (self.tags.data or "").split(",")],
            "notify": bool(self.notify.data), "allow_conflicts": bool(self.allow_conflicts.data),
            "sensitivity": self.sensitivity.data,
            **({"sharing": self.sharing.data} if self.sharing_offered else {}),
            **({"status": "held"} if self.already_held.data else {}),
        })
        return data, errors

    def service_data(self) -> dict:
        """The fields by MeetingCreate's names; ValidationError for what cannot be read (times, reminders)."""
        data, errors = self.read()
        if errors:
            raise ValidationError.for_fields(errors)
        return data

    def show_problems(self, reading: dict[str, list[str]], problems: dict[str, list[str]]) -> None:
        """Every problem beside its field at once: the form's own about reading an input first, then the
        schema's (less its "required" for an input that could not be read, which the form explained)."""
        merged = {name: list(messages) for name, messages in reading.items()}
        for name, messages in problems.items():
            if name in self._unread or name in reading:
                continue
            merged[name] = list(messages)
        for name in list(merged):
            field = getattr(self, name, None)
            if field is not None and hasattr(field, "errors"):
                field.errors = []  # placed again below, once
        if merged:
            self.place_errors(ValidationError.for_fields(merged))

    def place_errors(self, exc: ServiceError) -> bool:
        """Put a service's field errors beside the fields of the same name; False when none was shown."""
        self.other_errors = {}
        placed = apply_errors(self, exc, flash_the_rest=False)
        if self.fold.errors:
            self.fold_needed = True
        for name in ("attendees",):  # shown under the attendee pickers (see meetings/form.html)
            if name in (exc.fields or {}):
                self.other_errors[name] = list(exc.fields[name])
                placed = True
        return placed


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional()], render_kw={"rows": 2},
                           description=_l("Shown on the meeting page and in the cancellation."))
    notify = BooleanField(_l("Tell the attendees"), default=True)


def _id_or_none(value) -> int | None:
    return int(value) if str(value).isdigit() and len(str(value)) < 10 else None


class AddAttendeeForm(FlaskForm):
    contact_id = SelectField(_l("Contact"), coerce=_id_or_none, validators=[Optional()],
                             render_kw={"data-picker": "", "data-placeholder": _l("Type a name, organisation or city…")})
    role = SelectField(_l("Role"), choices=[("required", _l("Required")), ("optional", _l("Optional"))], default="required")
    allow_conflicts = BooleanField(_l("Add even if they have a clashing meeting"))

    def setup(self, meeting: Meeting) -> "AddAttendeeForm":
        on = {a.contact_id for a in meeting.contact_attendees}
        self.contact_id.choices = [("", _("— choose —"))] + [contact_choice(c) for c in live_contacts(current_user)
                                                           if c.id not in on]
        return self


class SlotForm(FlaskForm):
    """Search for free slots (GET form: no CSRF needed)."""

    class Meta:
        csrf = False

    staff_ids = SelectMultipleField(_l("Staff"), coerce=int, validators=[Optional()],
                                    render_kw=picker(_l("Type part of a name, then Enter."), _l("Add staff…")))
    contact_ids = SelectMultipleField(_l("Attendees"), coerce=int, validators=[Optional()],
                                      render_kw=picker(PEOPLE_HELP, _l("Add an attendee…")))
    first_day = DateField(_l("From"), validators=[InputRequired(message=_l("Choose the first day."))])
    last_day = DateField(_l("To"), validators=[InputRequired(message=_l("Choose the last day."))])
    minutes = IntegerField(_l("Length (minutes)"), default=60,
                           validators=[InputRequired(), NumberRange(min=5, max=720)])
    day_start = TimeField(_l("Working day starts"), default=time(9))
    day_end = TimeField(_l("Working day ends"), default=time(17))
    zones = SelectMultipleField(_l("Working hours in"), default=[clock.NAIROBI, clock.GENEVA],
                                description=_l("Slots fall inside working hours in every zone chosen."),
                                render_kw=picker(_l("Slots fall inside working hours in every zone chosen. Type a "
                                                    "city to add its zone."), _l("Add a time zone…")))

    def setup(self, actor=None) -> "SlotForm":
        """Fill the choices: live staff, and the live contacts `actor` may see (so no other can be asked for)."""
        contacts = select(Contact).where(Contact.is_archived.is_(False)).order_by(Contact.full_name)
        if actor is not None:
            contacts = only_visible(actor, contacts, Contact)
        users = list(db.session.scalars(select(User).where(User.is_disabled.is_(False)).order_by(User.full_name)))
        self.staff_ids.choices = [(u.id, u.display_name) for u in users]
        self.contact_ids.choices = [contact_choice(c) for c in db.session.scalars(contacts)]
        self.zones.choices = zone_choices()
        return self
