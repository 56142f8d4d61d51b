"""Data-protection pages for the DPO: requests, export and erasure of a contact, review list, register."""
from __future__ import annotations

import json
from functools import wraps

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.auth.permissions import password_confirmed_within
from engage.boundary import on_refusal, refused_form, refused_redirect
from engage.clock import now_utc
from engage.directory.services import get_contact
from engage.errors import NotFoundError
from engage.extensions import db
from engage.forms import apply_errors

from . import erasure, register, services
from engage.directory.protection import LAWFUL_BASES
from .forms import CloseRequestForm, EraseForm, ExportForm, RequestForm
from .models import REQUEST_KINDS, DataRequest

bp = Blueprint("dataprotection", __name__, url_prefix="/data-protection")


@bp.before_request
@login_required
def _signed_in():
    """Every page here needs a signed-in user; each view then checks for the DPO (or an admin)."""


def dpo_required(view=None, *, admin_reads: bool = False):
    """Only the data-protection officer (and, with admin_reads, admins) may use the view."""
    def decorator(fn):
        @wraps(fn)
        def wrapped(*args, **kwargs):
            if not (current_user.is_dpo or (admin_reads and current_user.has_role("admin"))):
                abort(403)
            return fn(*args, **kwargs)
        return wrapped
    return decorator(view) if view is not None else decorator


def send_refusals_for(meeting):
    """Refused sends for a meeting, for the meeting page."""
    return services.send_refusals_for(meeting)


def _requests_page(form: RequestForm, listed, state=None, kind=None, status: int = 200):
    """The requests page: the list, and the form to log one with the contacts to choose from."""
    who = request.args.get("who", "").strip()[:200]
    if "\x00" in who:
        abort(400, _("who: a search cannot hold a NUL character."))
    chosen = form.contact_id.data
    chosen_id = int(chosen) if isinstance(chosen, str) and chosen.isdigit() and len(chosen) < 10 else None
    choices = services.contact_choices(current_user, who, chosen_id)
    form.contact_id.choices = [("", _("Choose a contact…"))] + choices
    if who and len(choices) == 1 and not chosen_id:
        form.contact_id.data = choices[0][0]   # one match: chosen already
    return render_template("dataprotection/index.html", page=listed, form=form, state=state, kind=kind,
                           kinds=REQUEST_KINDS, close_form=CloseRequestForm(), who=who,
                           names=services.contact_names(current_user, [r.contact_id for r in listed.items]),
                           matches=len(choices), due=len(services.contacts_due_for_review(now_utc()))), status


@bp.route("/")
@dpo_required
def index():
    # ?contact_id= comes from a contact's page ("Log a request"): that contact is chosen already.
    form = RequestForm(contact_id=request.args.get("contact_id", ""))
    state = request.args.get("state") if request.args.get("state") in ("open", "closed") else None
    kind = request.args.get("kind") if request.args.get("kind") in REQUEST_KINDS else None
    page = db.paginate(services.data_requests(kind, state), page=request.args.get("page", 1, type=int) or 1,
                       per_page=current_app.config["PER_PAGE"], error_out=False)
    return _requests_page(form, page, state, kind)


@bp.route("/requests", methods=["POST"])
@dpo_required
def log_request():
    form = RequestForm()

    def page():
        listed = db.paginate(services.data_requests(), page=1, per_page=current_app.config["PER_PAGE"],
                             error_out=False)
        return _requests_page(form, listed, status=422)

    def refused(exc):
        if isinstance(exc, NotFoundError):
            form.contact_id.errors = [exc.message]
        else:
            apply_errors(form, exc)
        return page()
    if form.validate_on_submit():
        on_refusal(refused)
        req = services.open_request(current_user, now_utc(), form.values())
        flash(_("%(reference)s is logged; it closes when you export or erase the contact.", reference=req.reference),
              "success")
        return redirect(url_for(".index"))
    return page()


@bp.route("/requests/<int:request_id>/close", methods=["POST"])
@dpo_required
def close_request(request_id):
    req = db.get_or_404(DataRequest, request_id)
    back = refused_redirect(url_for(".index"))
    if CloseRequestForm().validate_on_submit():
        services.close_without_action(current_user, now_utc(), req)
        flash(_("%(reference)s is closed.", reference=req.reference), "success")
    return redirect(back)


@bp.route("/contacts/<int:contact_id>/export", methods=["POST"])
@dpo_required
@password_confirmed_within()
def export(contact_id):
    contact = get_contact(contact_id)
    form = ExportForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Reload the page and try again."), "danger")
        return redirect(url_for("directory.contact", contact_id=contact.id))
    refused_redirect(url_for("directory.contact", contact_id=contact.id))
    data = services.export_contact(current_user, now_utc(), contact)
    # The file is made here; the boundary commits the export's audit row before it is sent.
    return _download(data, contact.id, "csv" if form.format.data == "csv" else "json")


def _download(data: dict, contact_id: int, fmt: str) -> Response:
    stamp = now_utc().strftime("%Y%m%d")
    if fmt == "csv":
        body, mimetype = services.export_csv(data), "text/csv"
    else:
        body, mimetype = json.dumps(data, ensure_ascii=False, indent=2), "application/json"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="contact-{contact_id}-export-{stamp}.{fmt}"',
        "Cache-Control": "no-store"})


@bp.route("/contacts/<int:contact_id>/erase", methods=["GET", "POST"])
@dpo_required
@password_confirmed_within()
def erase(contact_id):
    contact = get_contact(contact_id)
    if contact.erased_at is not None:
        flash(_("This contact was already erased."), "info")
        return redirect(url_for("directory.contact", contact_id=contact.id))
    form = EraseForm()
    page = refused_form(form, lambda: (render_template("dataprotection/erase.html", contact=contact, form=form,
                                                       notes_mode=erasure.erasure_notes_mode()),
                                       422 if form.errors else 200))
    if form.validate_on_submit():
        typed = (form.confirm.data or "").strip()
        if typed != "ERASE" and typed.lower() != contact.email.lower():
            form.confirm.errors = [_("That is neither the contact's email address nor ERASE; nothing was erased.")]
        else:
            summary = erasure.erase_contact(current_user, now_utc(), contact)
            # compact_storage commits the erasure first (the boundary's commit would come too late for it).
            erasure.compact_storage(summary["tables"])
            flash(_("Contact #%(id)s is erased (%(request)s): %(messages)s messages emptied, %(meetings)s meetings "
                    "keep an anonymised participant.", id=contact_id, request=summary["request"],
                    messages=summary["messages_to_them"], meetings=summary["meetings_kept"]), "success")
            return redirect(url_for("directory.contact", contact_id=contact_id))
    return page()


@bp.route("/review")
@dpo_required
def review():
    now = now_utc()
    rows = services.contacts_due_for_review(now)
    return render_template("dataprotection/review.html", rows=rows, now=now,
                           months=current_app.config.get("ENGAGE_RETENTION_REVIEW_MONTHS") or 24)


@bp.route("/register")
@dpo_required(admin_reads=True)
def register_page():
    return render_template("dataprotection/register.html",
                           reg=register.build_register(now_utc(), current_app.config, current_user))


def open_requests_for(contact_id: int):
    """A contact's requests still open, for the Data protection panel on its page (shown to the DPO)."""
    return services.open_requests_for(contact_id)


def init_app(app) -> None:
    """Give every template the lawful bases, the meeting page's refused sends and a contact's open requests (queries)."""
    app.add_template_global(LAWFUL_BASES, "lawful_bases")
    app.add_template_global(send_refusals_for)
    app.add_template_global(open_requests_for)
