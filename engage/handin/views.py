"""Pages of the reports to hand in: choose what a mid-term report covers, edit its draft, export it;
the stakeholder submission's annex. Leads and admins only, as the other lead reports."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from engage import downloads
from engage.pdf import html_to_pdf, pdf_available
from engage.auth.permissions import export_confirmed, require_role_for_blueprint
from engage.boundary import on_refusal
from engage.clock import now_utc
from engage.directory.models import Organisation
from engage.errors import ValidationError
from engage.extensions import db
from engage.recommendations.queries import all_themes, cycles_in_use

from . import documents, services
from .content import Report, long_date
from .documents import DOCX_MIMETYPE

bp = Blueprint("handin", __name__, url_prefix="/handin")
require_role_for_blueprint(bp, "lead")


def _choices_from(form) -> dict:
    """The report's choices as a form or a query string sends them (the schema's names)."""
    return {"cycle": form.get("cycle", ""), "themes": form.getlist("themes"),
            "ministries": form.getlist("ministries"), "clusters": form.getlist("clusters"),
            "period_from": form.get("period_from", ""),
            "period_to": form.get("period_to", ""), "coalition": form.get("coalition", "")}


def _texts_from(form) -> dict:
    comments = {key.removeprefix("comment_"): value for key, value in form.items() if key.startswith("comment_")}
    cluster_comments = {key.removeprefix("cluster_comment_"): value for key, value in form.items()
                        if key.startswith("cluster_comment_")}
    return {"title": form.get("title", ""), "introduction": form.get("introduction", ""),
            "methodology": form.get("methodology", ""), "conclusion": form.get("conclusion", ""),
            "comments": comments, "cluster_comments": cluster_comments}


def _picker_context() -> dict:
    """The lists the choices are made from: cycles, themes, and ministries and agencies."""
    ministries = db.session.scalars(select(Organisation).where(Organisation.is_archived.is_(False),
                                                               services.evidence.ministry_condition())
                                    .order_by(Organisation.name)).all()
    return {"cycles": cycles_in_use(), "all_themes": all_themes(), "all_ministries": ministries,
            "all_clusters": services.cluster_choices(), "pickers": True}


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    """The file made in full, then sent (engage.downloads): the export's audit row goes with a complete file."""
    return downloads.send(downloads.produce([data]), mimetype, filename,
                          {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


def _filename(report: Report, extension: str) -> str:
    name = f"{report.kind}-report-cycle-{report.cycle}-{report.made_on:%Y%m%d}.{extension}"
    return "engage-" + "".join(c if c.isalnum() or c in "-." else "-" for c in name)


@bp.route("/")
def index():
    return render_template("handin/index.html", drafts=services.drafts_of(current_user))


# ---- the mid-term report ----

@bp.route("/midterm/new", methods=["GET", "POST"])
def new_midterm():
    now = now_utc()
    if request.method == "GET":
        # Another page may hand over its filters: ?cycle=&themes=&ministries=, or the implementation
        # matrix's own (?theme=<id>&organisation_id=<id>).
        values = services.default_choices(now)
        values.update({k: v for k, v in _choices_from(request.args).items() if v})
        values.update(services.matrix_choices(request.args.get("theme", ""), request.args.get("organisation_id", "")))
        return render_template("handin/new.html", values=values, errors={}, **_picker_context())
    values = _choices_from(request.form)

    def refused(exc):
        return render_template("handin/new.html", values=values, errors=exc.fields or {}, **_picker_context()), 422
    on_refusal(refused)
    report = services.build_report(current_user, now, values)
    texts = {"introduction": documents.default_introduction(report),
             "methodology": documents.default_methodology(report)}
    draft = services.create_draft(current_user, now, {**values, **texts})
    flash(_("The draft is saved: edit its texts and comments, then download it."), "success")
    return redirect(url_for(".draft", draft_id=draft.id))


@bp.route("/drafts/<int:draft_id>", methods=["GET", "POST"])
def draft(draft_id):
    now = now_utc()
    record = services.get_draft(current_user, draft_id)
    if request.method == "POST":
        values = {**_choices_from(request.form), **_texts_from(request.form)}

        def refused(exc):
            return _draft_page(record, values, exc.fields or {}, now), 422
        on_refusal(refused)
        services.update_draft(current_user, now, record, values)
        flash(_("The draft is saved."), "success")
        return redirect(url_for(".draft", draft_id=record.id))
    content = record.content or {}
    texts = content.get("texts") or {}
    values = {**(content.get("choices") or {}), **texts, "title": record.title}
    return _draft_page(record, values, {}, now)


def _draft_page(record, values: dict, errors: dict, now):
    try:
        report = services.draft_report(current_user, now, record)
    except ValidationError as exc:  # a theme or an organisation the draft names is gone: say so, show the form
        report, errors = None, {**(exc.fields or {}), **errors}
    comments = values.get("comments") or {}
    cluster_comments = values.get("cluster_comments") or {}
    return render_template("handin/draft.html", record=record, report=report, values=values, errors=errors,
                           comments={str(k): v for k, v in comments.items()},
                           cluster_comments={str(k): v for k, v in cluster_comments.items()},
                           pdf_available=pdf_available(), **_picker_context())


@bp.route("/drafts/<int:draft_id>/delete", methods=["POST"])
def delete_draft(draft_id):
    record = services.get_draft(current_user, draft_id)
    services.delete_draft(current_user, record)
    flash(_("The draft is deleted."), "success")
    return redirect(url_for(".index"))


@bp.route("/drafts/<int:draft_id>/report.docx")
@export_confirmed("midterm_report", "docx")
def draft_docx(draft_id):
    report = services.draft_report(current_user, now_utc(), services.get_draft(current_user, draft_id))
    return _download(documents.midterm_docx(report), DOCX_MIMETYPE, _filename(report, "docx"))


@bp.route("/drafts/<int:draft_id>/report.pdf")
@export_confirmed("midterm_report", "pdf")
def draft_pdf(draft_id):
    report = services.draft_report(current_user, now_utc(), services.get_draft(current_user, draft_id))
    if not pdf_available():
        abort(404, _("PDF output needs WeasyPrint and Pango on the server; download the .docx instead."))
    return _download(midterm_pdf(report), "application/pdf", _filename(report, "pdf"))



def midterm_pdf(report: Report) -> bytes:
    """The mid-term report as a PDF: the same sections as the .docx, laid out by WeasyPrint."""
    html = render_template("handin/midterm_pdf.html", report=report,
                           introduction=report.introduction or documents.default_introduction(report),
                           methodology=report.methodology or documents.default_methodology(report))
    return html_to_pdf(html)


# ---- the stakeholder submission's annex ----

def _annex_values() -> dict:
    values = _choices_from(request.args)
    if not request.args.get("cycle"):
        defaults = services.default_choices(now_utc())
        values.update(cycle=defaults["cycle"] or "", coalition=values["coalition"] or defaults["coalition"],
                      period_to=values["period_to"] or defaults["period_to"].isoformat())
    return values


@bp.route("/annex")
def annex():
    values = _annex_values()
    report, errors = None, {}
    if request.args.get("cycle"):
        try:
            report = services.build_report(current_user, now_utc(), values, kind="annex")
        except ValidationError as exc:
            errors = exc.fields or {"cycle": [exc.message]}
    status = 400 if errors else 200
    return render_template("handin/annex.html", values=values, report=report, errors=errors,
                           **_picker_context()), status


@bp.route("/annex.docx")
@export_confirmed("submission_annex", "docx")
def annex_docx():
    try:
        report = services.build_report(current_user, now_utc(), _choices_from(request.args), kind="annex")
    except ValidationError as exc:
        abort(400, exc.message)
    return _download(documents.annex_docx(report), DOCX_MIMETYPE, _filename(report, "docx"))


@bp.app_template_global()
def handin_field_errors(errors: dict, name: str) -> list[str]:
    """The messages for one field of a hand-in form (a list, whichever way the service gave them)."""
    found = errors.get(name) or []
    return [found] if isinstance(found, str) else list(found)



@bp.app_template_global("long_date")
def long_date_global(day) -> str:
    """7 December 2026, as the reports write dates."""
    return long_date(day)
