"""Meeting pages (agenda, week, month, booking, meeting page, slots, feeds) and the public feed URL."""
from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for)
from flask_babel import format_date, get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from engage import clock, downloads
from engage.access.guard import act_as
from engage.access.services import VISIBILITY_APPLIED, redact_history, select_visible, visibility_key
from engage.auth.models import User
from engage.auth.permissions import export_confirmed, require_role_for_blueprint
from engage.boundary import on_refusal, refused_form, refused_redirect, status_page
from engage.countries import country_name
from engage.directory.models import Organisation
from engage.errors import ConflictError, ValidationError
from engage.extensions import db
from engage.members.services import all_members, coalition_mode, short_names
from engage.history import history_for
from engage.i18n import N_, format_multi_zone, format_range
from engage.recommendations.models import RESPONSES as REC_RESPONSES, Recommendation, shown_reference
from engage.spreadsheets import csv_text
from engage.urls import absolute_url

from . import calendar, coordination, listing, queries, services, slots
from .changes import MeetingChange
from .forms import AddAttendeeForm, CancelForm, MeetingForm, SlotForm, format_offsets
from .models import FEED_SCOPES, MEETING_STATUSES, Attendee, CalendarFeed, Meeting, meeting_ask, meeting_recommendation
from .people import people_for, people_of_meetings

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
require_role_for_blueprint(bp, "staff")

# Public on purpose: calendar apps cannot sign in. The secret in the URL is the key; it can be revoked.
feeds_bp = Blueprint("calendar", __name__)

STATUS_COLOURS = {"scheduled": "primary", "cancelled": "secondary", "held": "success"}
RESPONSE_COLOURS = {"needs_action": "warning", "accepted": "success", "tentative": "info", "declined": "danger"}
WHEN_CHOICES = {"upcoming": N_("Upcoming"), "past": N_("Past"), "all": N_("All")}


def meetings_with(limit: int = 50, **filters) -> list:
    """The latest meetings with a contact or organisation that the signed-in user may see, newest first."""
    query = queries.meeting_query(now=clock.now_utc(), when="all", actor=current_user, **filters).order_by(None)
    return list(db.session.scalars(query.order_by(Meeting.starts_at.desc()).limit(limit)))


def meetings_with_ask(ask_id: int, limit: int = 100) -> list:
    """The meetings that have an ask on their agenda, that the signed-in user may see, newest first."""
    query = (select_visible(current_user, Meeting).join(meeting_ask, meeting_ask.c.meeting_id == Meeting.id)
             .where(meeting_ask.c.ask_id == ask_id).order_by(Meeting.starts_at.desc(), Meeting.id.desc()))
    return list(db.session.scalars(query.limit(limit)))


MISSION_KINDS = ("permanent_mission", "embassy", "high_commission")


def booking_url(contact=None, organisation=None, contacts=()) -> str | None:
    """The booking form pre-filled from where the user is (a contact, an organisation and some of its
    people), with the state's latest recommendations on the agenda for a state's mission; None for a
    user who cannot book."""
    if not (current_user.is_authenticated and current_user.has_role("staff")):
        return None
    organisation = organisation or (contact.organisation if contact is not None else None)
    ids = [contact.id] if contact is not None else [c.id for c in contacts]
    args = {"contact_id": ids}
    if organisation is not None:
        args["organisation_id"] = organisation.id
        if organisation.kind in MISSION_KINDS and organisation.country:
            args["agenda"] = "state"
    return url_for("meetings.new", **args)


def init_app(app) -> None:
    """Give the directory's contact and organisation pages their meetings (`meetings_with(contact_id=…)`)
    and their "Book a meeting" link (`booking_url(contact=…)`)."""
    app.add_template_global(meetings_with)
    app.add_template_global(meetings_with_ask)  # the ask page's meetings (asks sit below meetings)
    app.add_template_global(booking_url)


@bp.context_processor
def meeting_helpers():
    return {"status_colours": STATUS_COLOURS, "response_colours": RESPONSE_COLOURS,
            "meeting_statuses": MEETING_STATUSES, "rec_responses": REC_RESPONSES,
            "zone_label": clock.zone_label,
            "multi_zone_range": _range_in_page_language, "can_change": services.can_change,
            "format_offsets": format_offsets, "zone_info": ZoneInfo,
            "meeting_status_choices": lambda: [(k, _(v)) for k, v in MEETING_STATUSES.items()],
            # The calendars' names of months and days in the page's language (a Babel date pattern).
            "day_format": format_date}


def _page_language() -> str:
    return str(get_locale() or "en")


def _range_in_page_language(starts_at: datetime, ends_at: datetime, zone: str) -> str:
    """A meeting's time in its zone, then Nairobi and Geneva, in the page's language."""
    return format_range(starts_at, ends_at, zone, _page_language())


# ---- query-string helpers: whatever is typed into the URL gives a page, never a 500 ----

def _text_arg(name: str) -> str:
    return request.args.get(name, "").replace("\x00", "").strip()[:200]


def _int_arg(name: str) -> int | None:
    value = _text_arg(name)
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _date_arg(name: str) -> date | None:
    try:
        day = date.fromisoformat(_text_arg(name))
    except ValueError:
        return None
    if not clock.day_in_range(day):  # a week around year 1 or 9999 cannot be placed in a zone
        raise ValidationError.for_fields({name: clock.DAY_RANGE_PROBLEM})
    return day


def _view_zone() -> str:
    zone = _text_arg("zone")
    if clock.is_valid_timezone(zone):
        return zone
    return current_user.timezone if clock.is_valid_timezone(current_user.timezone) else clock.NAIROBI


def _changeable_or_403(meeting: Meeting) -> None:
    if not services.can_change(current_user, meeting):
        abort(403)


def _filters() -> dict:
    when = _text_arg("when")
    return {"when": when if when in WHEN_CHOICES else "upcoming", "staff_id": _int_arg("staff"),
            "organisation_id": _int_arg("organisation_id"), "city": _text_arg("city"),
            "status": _text_arg("status") if _text_arg("status") in MEETING_STATUSES else "",
            "tag": _text_arg("tag"), "recommendation_id": _int_arg("recommendation_id"), "q": _text_arg("q"),
            "member_id": _int_arg("member")}


def _flash_change(change: MeetingChange, message: str) -> None:
    """`message` ("Booked …", "Saved …") with the meeting's title and time in its zone, Nairobi and Geneva."""
    meeting = change.meeting
    flash(_(message, title=meeting.title, when=format_multi_zone(meeting.starts_at, meeting.timezone, _page_language())),
          "success")



# ---- lists and calendars ----

@bp.route("/")
def index():
    filters = _filters()
    chosen = {k: (v or None) for k, v in filters.items() if k != "when"}
    # Read as rows, not records (engage/meetings/listing.py): the page shows a few columns of each. The
    # statements are built once per filters and reader's grants, with the time as a parameter.
    key = ("agenda", tuple(filters.items()), visibility_key(current_user))
    query = listing.prepared_agenda(key, lambda now: queries.meeting_query(now=now, **chosen, when=filters["when"],
                                                                           actor=current_user))
    number, per_page = max(_int_arg("page") or 1, 1), current_app.config["PER_PAGE"]
    rows, total = listing.agenda_page(current_user, query, number, per_page, now=clock.now_utc())
    page = listing.RowsPagination(rows, total, number, per_page)
    return render_template("meetings/index.html", page=page, filters=filters, when_choices=WHEN_CHOICES,
                           **_filter_choices())


def _filter_choices() -> dict:
    # Plain columns of the tables, not records: the lists of every user, organisation and agenda item
    # are long, and only a name and an id of each is shown. None of these tables holds restricted
    # records, so they run on the session's connection, past the ORM and the access guard (which would
    # have nothing to do), with statements built once (building them cost as much as running them).
    run = db.session.connection().execute
    organisations_q, staff_q, recommendations_q = _choice_queries()
    organisations = run(organisations_q).all()
    return {
        "staff_choices": [(uid, name or email) for uid, name, email in run(staff_q)],
        "organisation_choices": [(org.id, org.name) for org in organisations if not org.is_archived],
        "cities": sorted({org.city for org in organisations if org.city is not None}),
        "tags": queries.tags_in_use(current_user),
        # In a coalition only: one member organisation's meetings, or every member's.
        "member_choices": [(m.id, m.short_name) for m in all_members()] if coalition_mode() else [],
        "recommendation_choices": [(rid, f"{reference} ({country_name(state)})")
                                   for rid, reference, state in run(recommendations_q)],
    }


@functools.cache
def _choice_queries() -> tuple:
    o, u, r = Organisation.__table__.c, User.__table__.c, Recommendation.__table__.c
    return (select(o.id, o.name, o.city, o.is_archived).order_by(o.name).execution_options(**VISIBILITY_APPLIED),
            select(u.id, u.full_name, u.email).order_by(u.full_name).execution_options(**VISIBILITY_APPLIED),
            select(r.id, shown_reference(Recommendation.__table__), r.recommending_state)
            .where(r.id.in_(select(meeting_recommendation.c.recommendation_id)))
            .order_by(r.reference_sort, r.id).execution_options(**VISIBILITY_APPLIED))


@bp.route("/export.csv")
@export_confirmed("meetings")
def export():
    filters = _filters()
    query = queries.meeting_query(now=clock.now_utc(), **{k: (v or None) for k, v in filters.items()
                                                           if k != "when"}, when=filters["when"], actor=current_user)
    meetings = list(db.session.scalars(query))
    seen = people_of_meetings(current_user, meetings)  # restricted contacts the reader may not see: absent
    # In a coalition, whose meeting each row is (`?member=` narrows to one, of those the reader sees).
    members = short_names() if coalition_mode() else None

    def rows():
        for m in meetings:
            people = seen[m.id].contacts
            organisations = {a.contact.organisation.id: a.contact.organisation.name for a in people
                             if a.contact.organisation is not None}
            yield [
                m.id, m.title, m.status, m.starts_at, m.ends_at, m.timezone,
                clock.format_range_in_zone(m.starts_at, m.ends_at, m.timezone),
                clock.format_range_in_zone(m.starts_at, m.ends_at, clock.NAIROBI),
                clock.format_range_in_zone(m.starts_at, m.ends_at, clock.GENEVA),
                m.location, m.online_url, m.organiser.email,
                "; ".join(a.email for a in m.staff_attendees),
                "; ".join(f"{a.name} <{a.email}> ({a.role}, {a.response_label})" for a in people),
                "; ".join(organisations.values()),
                "; ".join(r.label for r in m.recommendations), "; ".join(m.tags or []), m.uid, m.sequence,
            ] + ([members.get(m.member_id, "")] if members is not None else [])
    text = csv_text(["id", "title", "status", "starts_at_utc", "ends_at_utc", "timezone", "local time",
                     "Nairobi", "Geneva", "location", "online_url", "organiser", "staff", "attendees",
                     "organisations", "recommendations", "tags", "uid", "sequence"]
                    + (["member"] if members is not None else []), rows())
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=meetings.csv"})


@bp.route("/week")
def week():
    zone = _view_zone()
    today = clock.now_utc().astimezone(ZoneInfo(zone)).date()
    monday = calendar.week_start(_date_arg("start") or today)
    start, end = calendar.period_bounds(monday, monday + timedelta(days=6), zone)
    meetings = queries.meetings_between(start, end, staff_id=_int_arg("staff"), actor=current_user)
    return render_template("meetings/week.html", days=calendar.week_days(monday, zone, meetings, today),
                           monday=monday, zone=zone, prev=monday - timedelta(days=7), next=monday + timedelta(days=7),
                           today=today, staff_id=_int_arg("staff"), **_filter_choices())


@bp.route("/month")
def month():
    zone = _view_zone()
    today = clock.now_utc().astimezone(ZoneInfo(zone)).date()
    try:
        year, month_number = (int(p) for p in _text_arg("month").split("-"))
        first = date(year, month_number, 1)
    except ValueError:
        first = today.replace(day=1)
    if not clock.day_in_range(first):
        raise ValidationError.for_fields({"month": clock.DAY_RANGE_PROBLEM})
    shown_first, shown_last = calendar.month_bounds(first.year, first.month)
    start, end = calendar.period_bounds(shown_first, shown_last, zone)
    meetings = queries.meetings_between(start, end, staff_id=_int_arg("staff"), actor=current_user)
    prev = (first - timedelta(days=1)).replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return render_template("meetings/month.html", weeks=calendar.month_weeks(first.year, first.month, zone,
                                                                             meetings, today),
                           first=first, zone=zone, prev=prev, next=nxt, today=today, staff_id=_int_arg("staff"),
                           **_filter_choices())


# ---- booking and editing ----

def _render_form(form, template_vars, conflicts=None, status=200):
    if conflicts:
        status = 409
    preview = form.preview()
    return render_template("meetings/form.html", form=form, conflicts=conflicts, preview=preview,
                           nearby=_nearby_booking(form, template_vars), **template_vars), status


def _nearby_booking(form, template_vars) -> list:
    """The meeting page's soft warning, on the form before saving: other members' meetings with the
    chosen attendees' organisations (or the one booked from) around the typed date, else today."""
    if not coalition_mode():
        return []
    now = clock.now_utc()
    meeting, organisation = template_vars.get("meeting"), template_vars.get("organisation")
    try:
        around = form.instants()[0]
    except ValidationError:  # a day without times yet is enough for a window of days
        day = form.date.data if isinstance(form.date.data, date) else None
        around = (datetime.combine(day, time(12), tzinfo=UTC) if day is not None
                  else meeting.starts_at if meeting is not None else now)
    contact_ids = list(form.required_contact_ids.data or []) + list(form.optional_contact_ids.data or [])
    return coordination.nearby_booking(
        current_user, contact_ids, organisation.id if organisation is not None else None,
        meeting.member_id if meeting is not None else current_user.member_id, around,
        form.ask_ids.data or [], now)


def _refused_booking(form, template_vars, flash_bare_conflict: bool) -> None:
    """A refused booking or edit shows the form again: with the clashes, or the service's errors placed."""
    def answer(exc):
        conflicts = None
        if isinstance(exc, ConflictError):
            conflicts = (exc.details or {}).get("conflicts")
            if not conflicts and flash_bare_conflict:
                flash(exc.message, "danger")
        elif not form.place_errors(exc):
            flash(exc.message, "danger")
        return _render_form(form, template_vars(), conflicts, 422)
    on_refusal(answer)


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = MeetingForm()
    organisation = form.prefill_from_link(request.args, current_user) if request.method == "GET" else None
    form.setup(organisation)
    if coalition_mode():  # a single organisation's form says nothing of members
        form.offer_sharing(current_user)
    template_vars = {"meeting": None, "organisation": organisation}
    if request.method == "POST" and "preview" not in request.form:
        form.validate()  # reads each input (CSRF is checked for every form before any view)
        data, reading = form.read()
        # No attendees is allowed (an internal meeting) but usually a slip: asked once, with the rest.
        form.ask_no_attendees = not data["attendees"] and not form.no_attendees_ok.data
        if reading or form.ask_no_attendees:
            # Every problem in one answer: the form's own and the schema's, side by side.
            form.show_problems(reading, services.booking_problems(clock.now_utc(), data))
            return _render_form(form, template_vars, status=422)
        _refused_booking(form, lambda: template_vars, flash_bare_conflict=False)
        change = services.schedule_meeting(current_user, clock.now_utc(), data)
        _flash_change(change, N_("Booked “%(title)s”: %(when)s."))
        return redirect(url_for("meetings.show", meeting_id=change.meeting.id))
    return _render_form(form, template_vars)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id):
    meeting = services.get_meeting(meeting_id, current_user)
    _changeable_or_403(meeting)
    if meeting.status == "cancelled":
        flash(_("This meeting was cancelled; it can no longer be changed."), "warning")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    form = MeetingForm()
    if request.method == "GET":
        form.fill_from_meeting(meeting, people_for(current_user, meeting))
    form.setup()
    conflicts = None
    if request.method == "POST" and "preview" not in request.form:
        form.validate()  # reads each input; read() below refuses what could not be read, all at once
        _refused_booking(form, lambda: {"meeting": meeting, "organisation": None,
                                        "people": people_for(current_user, meeting)}, flash_bare_conflict=True)
        change = services.update_meeting(current_user, clock.now_utc(), meeting, form.service_data())
        _flash_change(change, N_("Saved “%(title)s”: %(when)s."))
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    people = people_for(current_user, meeting)  # the form lists these; the others are kept, and counted
    return _render_form(form, {"meeting": meeting, "organisation": None, "people": people}, conflicts,
                        422 if request.method == "POST" and "preview" not in request.form else 200)


# ---- one meeting ----

@bp.route("/<int:meeting_id>")
def show(meeting_id):
    meeting = services.get_meeting(meeting_id, current_user)
    add_form = AddAttendeeForm().setup(meeting)
    history = redact_history(current_user, history_for(meeting))  # no restricted contact's name in it
    now = clock.now_utc()
    return render_template("meetings/show.html", meeting=meeting, history=history,
                           people=people_for(current_user, meeting), add_form=add_form, now=now,
                           # In a coalition, a soft warning (after booking too: it lands here): another
                           # member met or will meet the same people, with links; it never blocks anything.
                           nearby=coordination.nearby_meetings(current_user, meeting, now))


@bp.route("/<int:meeting_id>/cancel", methods=["GET", "POST"])
def cancel(meeting_id):
    meeting = services.get_meeting(meeting_id, current_user)
    _changeable_or_403(meeting)
    form = CancelForm()
    page = refused_form(form, lambda: render_template("meetings/cancel.html", meeting=meeting, form=form,
                                                      people=people_for(current_user, meeting)))
    if form.validate_on_submit():
        services.cancel_meeting(current_user, clock.now_utc(), meeting, reason=form.reason.data,
                                notify=bool(form.notify.data))
        flash(_("Cancelled “%(title)s”.", title=meeting.title), "success")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return page()


@bp.post("/<int:meeting_id>/held")
def held(meeting_id):
    meeting = services.get_meeting(meeting_id, current_user)
    _changeable_or_403(meeting)
    back = refused_redirect(url_for("meetings.show", meeting_id=meeting.id))
    services.mark_held(current_user, clock.now_utc(), meeting)
    flash(_("Recorded “%(title)s” as held.", title=meeting.title), "success")
    return redirect(back)


@bp.post("/<int:meeting_id>/attendees")
def add_attendee(meeting_id):
    meeting = services.get_meeting(meeting_id, current_user)
    _changeable_or_403(meeting)
    form = AddAttendeeForm().setup(meeting)
    if not form.validate_on_submit() or not form.contact_id.data:
        flash(_("Choose a contact to invite."), "danger")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    back = refused_redirect(url_for("meetings.show", meeting_id=meeting.id))
    services.add_attendee(current_user, clock.now_utc(), meeting, contact_id=form.contact_id.data,
                          role=form.role.data, allow_conflicts=bool(form.allow_conflicts.data))
    flash(_("Invited."), "success")
    return redirect(back)


@bp.post("/<int:meeting_id>/attendees/<int:attendee_id>/remove")
def remove_attendee(meeting_id, attendee_id):
    meeting = services.get_meeting(meeting_id, current_user)
    _changeable_or_403(meeting)
    attendee = db.session.get(Attendee, attendee_id)
    if attendee is None or attendee.meeting_id != meeting.id or \
            attendee not in people_for(current_user, meeting).shown:
        abort(404)
    back = refused_redirect(url_for("meetings.show", meeting_id=meeting.id))
    name = attendee.name
    services.remove_attendee(current_user, clock.now_utc(), meeting, attendee)
    flash(_("Removed %(name)s from the meeting.", name=name), "success")
    return redirect(back)


@bp.route("/<int:meeting_id>.ics")
def ics(meeting_id):
    meeting = services.get_meeting(meeting_id, current_user)
    body = calendar.meeting_ics(meeting, clock.now_utc(), calendar.organiser_mailbox(), _page_url(meeting),
                                reader=current_user)
    return downloads.calendar_file(body, f"meeting-{meeting.id}.ics")


def _page_url(meeting: Meeting) -> str:
    return absolute_url("meetings.show", meeting_id=meeting.id)


# ---- finding a slot ----

@bp.route("/slots")
def find_slots():
    form = SlotForm(request.args).setup(current_user)
    found = None
    if request.args and form.validate():
        refused_form(form, lambda: render_template("meetings/slots.html", form=form, found=None,
                                                   zones=form.zones.data or [clock.NAIROBI, clock.GENEVA]))
        found = slots.find_slots(
            clock.now_utc(), form.first_day.data, form.last_day.data, timedelta(minutes=form.minutes.data),
            user_ids=form.staff_ids.data or [], contact_ids=form.contact_ids.data or [],
            zones=tuple(form.zones.data or (clock.NAIROBI, clock.GENEVA)),
            day_start=form.day_start.data or time(9), day_end=form.day_end.data or time(17))
    elif not request.args:
        today = clock.now_utc().date()
        form.first_day.data, form.last_day.data = today + timedelta(days=1), today + timedelta(days=14)
        form.zones.data = [clock.NAIROBI, clock.GENEVA]
        form.staff_ids.data = [current_user.id]
        start, end = current_app.config["ENGAGE_WORKDAY"]  # HH:MM, checked at start-up
        form.day_start.data, form.day_end.data = time.fromisoformat(start), time.fromisoformat(end)
    return render_template("meetings/slots.html", form=form, found=found,
                           zones=form.zones.data or [clock.NAIROBI, clock.GENEVA])


# ---- calendar feeds ----

@bp.route("/feeds")
def feeds():
    mine = {scope: calendar.active_feed(current_user, scope) for scope in FEED_SCOPES
            if scope != "team" or current_user.has_role("lead")}
    return render_template("meetings/feeds.html", feeds=mine, feed_url=_feed_url, scopes=FEED_SCOPES)


@bp.post("/feeds/<scope>")
def new_feed(scope):
    if scope not in FEED_SCOPES:
        abort(404)

    def refused(exc):
        if exc.status == 403:
            return status_page(403)
        flash(exc.message, "danger")
        return redirect(url_for("meetings.feeds"))
    on_refusal(refused)
    calendar.create_feed(current_user, clock.now_utc(), current_user, scope)
    flash(_("New feed address made. Calendars subscribed to an older address for it stop updating."), "success")
    return redirect(url_for("meetings.feeds"))


@bp.post("/feeds/<scope>/revoke")
def revoke_feed(scope):
    feed = calendar.active_feed(current_user, scope) if scope in FEED_SCOPES else None
    if feed is None:
        abort(404)
    calendar.revoke_feed(current_user, clock.now_utc(), feed)
    flash(_("Feed turned off. Calendars subscribed to it stop updating."), "success")
    return redirect(url_for("meetings.feeds"))


def _feed_url(feed: CalendarFeed, scheme: str = "https") -> str:
    url = absolute_url("calendar.feed", secret=feed.secret)
    if scheme == "webcal":
        return "webcal://" + url.split("://", 1)[-1]
    return url


@feeds_bp.route("/calendar/<secret>.ics")
def feed(secret):
    found = calendar.feed_by_secret(secret)
    if found is None:
        return Response("No such calendar feed (it may have been turned off).\n", status=404, mimetype="text/plain")
    act_as(found.user)  # the feed shows, and audits, what its owner may see
    now = clock.now_utc()
    # One url_for for the whole feed, the id put in per meeting: a team feed holds hundreds.
    marker = 987654321
    parts = _page_url(SimpleNamespace(id=marker)).split(str(marker))
    body = calendar.feed_ics(found, now, calendar.organiser_mailbox(), lambda m: str(m.id).join(parts))
    found.last_fetched_at = now
    return Response(body, headers={"Content-Type": "text/calendar; charset=utf-8",
                                   "Content-Disposition": "inline; filename=engage.ics",
                                   "Cache-Control": "private, max-age=300"})
