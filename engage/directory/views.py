"""Directory pages: lists, detail pages, forms, archive/restore, CSV import and export, vCards."""
from __future__ import annotations

import io

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file,
                   session, url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import contains_eager

from engage import downloads
from engage.access.guard import audit_export
from engage.auth.permissions import export_confirmed, require_role_for_blueprint
from engage.boundary import form_page, refused_redirect
from engage.clock import now_utc, timezone_for_city
from engage.countries import country_name
from engage.csvfiles import size_label
from engage.extensions import db
from engage.history import history_for
from engage.importjobs import services as import_jobs

from . import exports, imports, services
from .forms import ContactForm, ImportForm, OrganisationForm
from .models import ORGANISATION_KINDS, Contact, Organisation

bp = Blueprint("directory", __name__, url_prefix="/directory")
require_role_for_blueprint(bp, "staff")


@bp.context_processor
def directory_helpers():
    return {"country_name": country_name, "timezone_for_city": timezone_for_city, "size_label": size_label}


ORGANISATION_SORTS = ("name", "kind", "city", "country", "updated")
CONTACT_SORTS = ("name", "position", "organisation", "email", "updated")


# ---- query-string helpers: whatever is typed into the URL gives a page, never a 500 ----

def _text_arg(name: str) -> str:
    return request.args.get(name, "").replace("\x00", "").strip()[:200]


def _int_arg(name: str) -> int | None:
    value = _text_arg(name)
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _sort_arg(allowed) -> str:
    sort = _text_arg("sort")
    return sort if sort.lstrip("-") in allowed else "name"


def _organisation_filters() -> dict:
    return {"q": _text_arg("q"), "kind": _text_arg("kind"), "city": _text_arg("city"),
            "country": _text_arg("country"), "archived": None if _text_arg("archived") else False,
            "sort": _sort_arg(ORGANISATION_SORTS)}


def _contact_filters() -> dict:
    return {**_organisation_filters(), "organisation_id": _int_arg("organisation_id"),
            "sort": _sort_arg(CONTACT_SORTS)}


def _paginate(query):
    return db.paginate(query, page=_int_arg("page") or 1, per_page=current_app.config["PER_PAGE"],
                       error_out=False)


def _csv_download(produced, kind: str) -> Response:
    return downloads.send(produced, "text/csv", exports.export_filename(kind, now_utc()))


def _filter_choices() -> dict:
    return {"kinds": {key: _(label) for key, label in ORGANISATION_KINDS.items()}, "cities": services.organisation_cities(),
            "countries": [(code, country_name(code)) for code in services.organisation_countries()]}


@bp.route("/")
def index():
    return redirect(url_for(".organisations"))


# ---- organisations ----

@bp.route("/organisations")
def organisations():
    filters = _organisation_filters()
    page = _paginate(services.organisation_query(**filters))
    return render_template("directory/organisations.html", page=page, filters=filters, **_filter_choices())


@bp.route("/organisations/export.csv")
@export_confirmed("organisations")
def export_organisations():
    query = services.organisation_query(**_organisation_filters())
    return _csv_download(downloads.produce(exports.organisations_csv(query)), "organisations")


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation():
    form = OrganisationForm()
    page = form_page(form, "directory/organisation_form.html", org=None)
    if form.validate_on_submit():
        org = services.create_organisation(current_user, now_utc(), form.service_data())
        flash(_("%(name)s is now in the directory.", name=org.name), "success")
        return redirect(url_for(".organisation", org_id=org.id))
    return page()


@bp.route("/organisations/<int:org_id>")
def organisation(org_id):
    org = services.get_organisation(org_id)
    return render_template("directory/organisation.html", org=org, history=history_for(org), now=now_utc())


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
def edit_organisation(org_id):
    org = services.get_organisation(org_id)
    form = OrganisationForm(organisation=org)
    page = form_page(form, "directory/organisation_form.html", org=org)
    if form.validate_on_submit():
        changed = services.update_organisation(current_user, now_utc(), org, form.service_data())
        flash(_("%(name)s is saved.", name=org.name) if changed else _("Nothing was changed."),
              "success" if changed else "info")
        return redirect(url_for(".organisation", org_id=org.id))
    return page()


@bp.route("/organisations/<int:org_id>/archive", methods=["POST"])
def archive_organisation(org_id):
    org = services.get_organisation(org_id)
    return _set_archived(services.set_organisation_archived, org, True,
                         _("%(name)s is archived: it stays in history but leaves lists and pickers.", name=org.name),
                         url_for(".organisation", org_id=org.id))


@bp.route("/organisations/<int:org_id>/restore", methods=["POST"])
def restore_organisation(org_id):
    org = services.get_organisation(org_id)
    return _set_archived(services.set_organisation_archived, org, False, _("%(name)s is restored.", name=org.name),
                         url_for(".organisation", org_id=org.id))


def _set_archived(action, record, archived: bool, message: str, back: str):
    refused_redirect(back)
    action(current_user, now_utc(), record, archived)
    flash(message, "success")
    return redirect(back)


# ---- contacts ----

@bp.route("/contacts")
def contacts():
    filters = _contact_filters()
    query = services.contact_query(**filters, actor=current_user)
    page = _paginate(query.options(contains_eager(Contact.organisation)))
    organisation = db.session.get(Organisation, filters["organisation_id"]) \
        if filters["organisation_id"] else None
    return render_template("directory/contacts.html", page=page, filters=filters, organisation=organisation,
                           organisations=services.live_organisations(), **_filter_choices())


@bp.route("/contacts/export.csv")
@export_confirmed("contacts")
def export_contacts():
    query = services.contact_query(**_contact_filters(), actor=current_user)
    produced = downloads.produce(exports.contacts_csv(query, current_user))
    audit_export(Contact, query)  # only once the file exists
    return _csv_download(produced, "contacts")


@bp.route("/contacts/new", methods=["GET", "POST"])
def new_contact():
    form = ContactForm()
    if not form.is_submitted() and _int_arg("organisation_id"):
        form.organisation_id.data = _int_arg("organisation_id")  # "Add a person" from an organisation's page
    page = form_page(form, "directory/contact_form.html", contact=None)
    if form.validate_on_submit():
        contact = services.create_contact(current_user, now_utc(), form.service_data())
        flash(_("%(name)s is now in the directory.", name=contact.full_name), "success")
        return redirect(url_for(".contact", contact_id=contact.id))
    return page()


@bp.route("/contacts/<int:contact_id>")
def contact(contact_id):
    person = services.get_contact(contact_id, current_user)
    return render_template("directory/contact.html", contact=person, history=history_for(person), now=now_utc())


@bp.route("/contacts/<int:contact_id>.vcf")
@export_confirmed("contact", "vcard")
def contact_vcard(contact_id):
    person = services.get_contact(contact_id, current_user)
    if person.erased_at is not None:
        abort(409, _("This contact's details were erased on request; there is no vCard to download."))
    data = exports.contact_vcard(person).encode("utf-8")
    return send_file(io.BytesIO(data), mimetype="text/vcard", as_attachment=True,
                     download_name=exports.vcard_filename(person))


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
def edit_contact(contact_id):
    person = services.get_contact(contact_id, current_user)
    form = ContactForm(contact=person)
    page = form_page(form, "directory/contact_form.html", contact=person)
    if form.validate_on_submit():
        changed = services.update_contact(current_user, now_utc(), person, form.service_data())
        flash(_("%(name)s is saved.", name=person.full_name) if changed else _("Nothing was changed."),
              "success" if changed else "info")
        return redirect(url_for(".contact", contact_id=person.id))
    return page()


@bp.route("/contacts/<int:contact_id>/archive", methods=["POST"])
def archive_contact(contact_id):
    person = services.get_contact(contact_id, current_user)
    return _set_archived(services.set_contact_archived, person, True,
                         _("%(name)s is archived: kept in history, gone from lists and pickers.", name=person.full_name),
                         url_for(".contact", contact_id=person.id))


@bp.route("/contacts/<int:contact_id>/restore", methods=["POST"])
def restore_contact(contact_id):
    person = services.get_contact(contact_id, current_user)
    return _set_archived(services.set_contact_archived, person, False,
                         _("%(name)s is restored.", name=person.full_name),
                         url_for(".contact", contact_id=person.id))


# ---- CSV import ----

@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    form = ImportForm(data={"kind": request.args["kind"]} if request.args.get("kind") in imports.IMPORTERS else None)
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.read()
        if import_jobs.runs_as_job(raw, current_app.config):  # too long for a request: the scheduler imports it
            job = import_jobs.queue_import(current_user, now_utc(), form.kind.data, upload.filename, raw)
            return redirect(url_for("imports.show", job_id=job.id))
        report = imports.import_csv_bytes(form.kind.data, raw, current_user, now_utc())
        if not report.ok:  # all or nothing: the boundary rolls back this 422
            return render_template("directory/import_failed.html", report=report, kind=form.kind.data,
                                   filename=upload.filename), 422
        session["directory_import"] = {"kind": form.kind.data, "filename": (upload.filename or "")[:200],
                                       "total": report.total, "created": report.created,
                                       "updated": report.updated, "unchanged": report.unchanged,
                                       "encoding": report.encoding_label}
        return redirect(url_for(".import_done"))
    return render_template("directory/import.html", form=form, guide=imports.COLUMN_GUIDE,
                           kind_names=imports.KIND_NAMES, example=imports.EXAMPLE_CONTACTS_FILE,
                           max_bytes=current_app.config.get("MAX_CONTENT_LENGTH"),
                           job_rows=current_app.config["ENGAGE_IMPORT_JOB_ROWS"],
                           jobs=import_jobs.recent_jobs(current_user, tuple(imports.IMPORTERS)))


@bp.route("/import/done")
def import_done():
    result = session.get("directory_import")
    if not result:
        return redirect(url_for(".import_csv"))
    return render_template("directory/import_done.html", result=result)


@bp.route("/import/template-<kind>.csv")
def import_template(kind):
    if kind not in imports.COLUMN_GUIDE:
        abort(404)
    return Response(imports.template_csv(kind), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="engage-{kind}-template.csv"'})


@bp.errorhandler(413)
def upload_too_large(_exc):
    return render_template("directory/upload_too_large.html", size=request.content_length,
                           limit=current_app.config.get("MAX_CONTENT_LENGTH")), 413
