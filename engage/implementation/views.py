"""Implementation pages: the matrix with its exports, recording assessments with their documents,
who is responsible for a recommendation, and which ministries are due a review meeting."""
from __future__ import annotations

import io
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engage import downloads
from engage.access.services import select_visible
from engage.auth.permissions import export_confirmed, require_role_for_blueprint
from engage.boundary import on_refusal, refused_redirect
from engage.clock import now_utc
from engage.extensions import db, model_for
from engage.forms import apply_errors
from engage.i18n import N_
from engage.recommendations import queries as catalogue
from engage.recommendations.models import SDG_GOALS, Recommendation

from . import exports, queries, services
from .forms import AssessmentForm, DueForm, MatrixForm, ResponsibilitiesForm
from .models import ASSESSMENT_STATUSES, ROLES, STATUS_COLOURS

bp = Blueprint("implementation", __name__, url_prefix="/implementation")
# The SDGs' short names as engage's data file has them (recommendations/data/sdg_goals.csv), marked here
# so the matrix's filter offers them in the page's language (« Pas de pauvreté »).
SDG_WORDS = (
    N_("No poverty"), N_("Zero hunger"), N_("Good health and well-being"), N_("Quality education"),
    N_("Gender equality"), N_("Clean water and sanitation"), N_("Affordable and clean energy"),
    N_("Decent work and economic growth"), N_("Industry, innovation and infrastructure"),
    N_("Reduced inequalities"), N_("Sustainable cities and communities"),
    N_("Responsible consumption and production"), N_("Climate action"), N_("Life below water"),
    N_("Life on land"), N_("Peace, justice and strong institutions"), N_("Partnerships for the goals"),
)
require_role_for_blueprint(bp, "staff")
MEETING_CHOICES = 200


def init_app(app) -> None:
    """Give other packages' pages (a recommendation's, a ministry's) the implementation helpers."""
    app.add_template_global(lambda rec_id: queries.timeline(current_user, rec_id), "assessment_timeline_for")
    app.add_template_global(lambda rec_id: queries.responsibilities_for([rec_id]).get(rec_id, []),
                            "responsibilities_of")
    app.add_template_global(lambda org_id: organisation_responsibilities(current_user, org_id),
                            "organisation_responsibilities_for")
    app.add_template_global(lambda ids: queries.latest_assessments(current_user, ids), "latest_assessments_for")
    app.add_template_global(lambda ids: queries.latest_statuses(current_user, ids), "latest_statuses_for")
    app.add_template_global(_responsibilities_form, "responsibilities_form")
    app.add_template_global(services.can_change, "can_change_assessment")
    app.add_template_global(ASSESSMENT_STATUSES, "assessment_statuses")
    app.add_template_global(STATUS_COLOURS, "assessment_colours")


def organisation_responsibilities(actor, organisation_id: int) -> list:
    """A ministry's recommendations with their latest status and date, as the actor sees them."""
    return [(row, role) for row in queries.matrix(actor, queries.MatrixFilters(organisation_id=organisation_id))
            for org_id, _name, role in row.responsible if org_id == organisation_id]


def _responsibilities_form(rec_id: int) -> ResponsibilitiesForm:
    held = queries.responsibilities_for([rec_id]).get(rec_id, [])
    form = ResponsibilitiesForm(data={role: [str(r.organisation_id) for r in held if r.role == role] for role in ROLES})
    choices = [(str(o.id), o.name) for o in services.responsible_choices()]
    known = {value for value, _ in choices}
    # An organisation no longer offered (archived, or of another kind now) stays chosen until removed.
    choices += [(str(r.organisation_id), r.organisation.name) for r in held if str(r.organisation_id) not in known]
    form.lead.choices = form.supporting.choices = choices
    return form


# ---- the matrix ----

def _matrix_form() -> tuple[MatrixForm, queries.MatrixFilters]:
    form = MatrixForm(formdata=request.args)
    form.cycle.choices += [(str(c), _("Cycle %(number)s", number=c)) for c in catalogue.cycles_in_use()]
    form.theme.choices += [(str(t.id), t.name) for t in catalogue.all_themes()]
    form.organisation_id.choices += [(str(o.id), o.name) for o in services.responsible_choices()]
    form.sdg.choices += [(str(n), f"{n} – {_(name) if name in SDG_WORDS else name}") for n, name in SDG_GOALS.items()]
    form.validate()

    def number(name):
        value = getattr(form, name).data
        return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 10 \
            and not getattr(form, name).errors else None
    status = form.status.data if form.status.data and not form.status.errors else None
    since = form.not_assessed_since.data if not form.not_assessed_since.errors else None
    return form, queries.MatrixFilters(cycle=number("cycle"), theme_id=number("theme"),
                                       organisation_id=number("organisation_id"), status=status,
                                       sdg=number("sdg"), not_assessed_since=since)


@bp.route("/")
def matrix():
    form, filters = _matrix_form()
    rows = queries.matrix(current_user, filters)
    return render_template("implementation/matrix.html", form=form, rows=rows,
                           filtered=any(v for v in request.args.values()))


@bp.route("/export.csv")
@export_confirmed("implementation")
def export_csv():
    produced = downloads.produce(exports.matrix_csv(queries.matrix(current_user, _matrix_form()[1])))
    return downloads.send(produced, "text/csv", "implementation.csv")


@bp.route("/export.xlsx")
@export_confirmed("implementation", "xlsx")
def export_xlsx():
    produced = downloads.produce(exports.matrix_xlsx(queries.matrix(current_user, _matrix_form()[1])))
    return downloads.send(produced, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          "implementation.xlsx")


# ---- planning: who is due a review ----

@bp.route("/due")
def due():
    form = DueForm(formdata=request.args)
    form.organisation_id.choices += [(str(o.id), o.name) for o in services.responsible_choices()]
    form.validate()
    months = int(form.months.data) if form.months.data in ("6", "12", "24") else 12
    org = form.organisation_id.data
    org_id = int(org) if isinstance(org, str) and org.isdigit() and len(org) < 10 else None
    today = now_utc().date()
    since = today - timedelta(days=round(months * 365.25 / 12))
    groups = queries.due_for_review(current_user, since, org_id)
    # With nobody responsible yet the list is empty for another reason than "all assessed": say which.
    return render_template("implementation/due.html", form=form, groups=groups, since=since, months=months,
                           anyone_responsible=bool(groups) or queries.anyone_responsible())


# ---- assessments ----

def meeting_choices(selected: int | None = None) -> list[tuple[str, str]]:
    """The meeting field's choices: the latest meetings the user may see, and `selected` if older."""
    Meeting = model_for("meeting")
    query = (select_visible(current_user, Meeting.id, Meeting.starts_at, Meeting.title)
             .order_by(Meeting.starts_at.desc()).limit(MEETING_CHOICES))
    rows = list(db.session.execute(query))
    if selected is not None and selected not in {r.id for r in rows}:
        rows += list(db.session.execute(select_visible(current_user, Meeting.id, Meeting.starts_at, Meeting.title)
                                        .where(Meeting.id == selected)))
    return [("", _("— none —"))] + [(str(r.id), f"{r.starts_at:%d %b %Y} — {r.title}") for r in rows]


def _assessment_page(form: AssessmentForm, **context):
    """The form's page; a refusal shows it again with the errors beside their fields, answering 422
    (413 for a document over the size kept)."""
    def render(status: int = 200):
        return render_template("implementation/assessment_form.html", form=form, **context), \
            status if status != 200 else (422 if form.errors else 200)

    def answer(exc):
        apply_errors(form, exc)
        return render(exc.status if exc.status == 413 else 422)
    on_refusal(answer)
    return render


def uploads(form: AssessmentForm) -> list[tuple[str, str, bytes]]:
    """The documents posted with the form, as the services take them."""
    found = []
    for storage in request.files.getlist(form.documents.name):
        if storage and storage.filename:
            found.append((storage.filename, storage.mimetype, storage.read()))
    return found


@bp.route("/recommendations/<int:rec_id>/assess", methods=["GET", "POST"])
def new_assessment(rec_id):
    rec = db.get_or_404(Recommendation, rec_id)
    form = AssessmentForm()
    if request.method == "GET":
        form.assessed_on.data = now_utc().date().isoformat()
        meeting_id = request.args.get("meeting_id", "")
        if meeting_id.isdigit() and len(meeting_id) < 10:
            form.meeting_id.data = meeting_id
            form.source_kind.data = "meeting"
    selected = form.meeting_id.data
    form.meeting_id.choices = meeting_choices(int(selected) if str(selected or "").isdigit() and len(str(selected)) < 10
                                               else None)
    page = _assessment_page(form, rec=rec, assessment=None)
    if form.validate_on_submit():
        assessment = services.create_assessment(current_user, now_utc(),
                                                {"recommendation_id": rec.id, **form.values()}, uploads(form))
        flash(_("The assessment of %(recommendation)s is saved: %(status)s.", recommendation=rec.label,
                status=_(assessment.status_label)), "success")
        return redirect(url_for("upr.detail", rec_id=rec.id) + "#assessments")
    return page()


@bp.route("/assessments/<int:assessment_id>")
def assessment(assessment_id):
    found = services.get_assessment(assessment_id, current_user)
    return render_template("implementation/assessment.html", assessment=found,
                           can_change=services.can_change(current_user, found))


@bp.route("/assessments/<int:assessment_id>/edit", methods=["GET", "POST"])
def edit_assessment(assessment_id):
    found = services.get_assessment(assessment_id, current_user)
    if not services.can_change(current_user, found):
        abort(403)
    form = AssessmentForm(data=None if request.method == "POST" else {
        "assessed_on": found.assessed_on.isoformat(), "status": found.status, "evidence": found.evidence,
        "links": found.links, "source_kind": found.source_kind, "source_detail": found.source_detail,
        "meeting_id": str(found.meeting_id or ""), "confidence": found.confidence, "sensitivity": found.sensitivity})
    form.meeting_id.choices = meeting_choices(found.meeting_id)
    page = _assessment_page(form, rec=found.recommendation, assessment=found)
    if form.validate_on_submit():
        changed = services.update_assessment(current_user, now_utc(), found, form.values(), uploads(form))
        flash(_("The assessment is saved.") if changed else _("Nothing changed."), "success" if changed else "info")
        return redirect(url_for(".assessment", assessment_id=found.id))
    return page()


@bp.post("/assessments/<int:assessment_id>/delete")
def delete_assessment(assessment_id):
    found = services.get_assessment(assessment_id, current_user)
    rec_id = found.recommendation_id
    refused_redirect(url_for(".assessment", assessment_id=found.id))
    services.delete_assessment(current_user, now_utc(), found)
    flash(_("The assessment is deleted."), "success")
    return redirect(url_for("upr.detail", rec_id=rec_id) + "#assessments")


@bp.route("/assessments/<int:assessment_id>/documents/<int:document_id>")
def document(assessment_id, document_id):
    found = services.get_assessment(assessment_id, current_user)
    doc = services.get_document(found, document_id)
    return send_file(io.BytesIO(doc.data), mimetype=doc.content_type, as_attachment=True, download_name=doc.filename,
                     etag=doc.sha256, max_age=0)


@bp.post("/assessments/<int:assessment_id>/documents/<int:document_id>/delete")
def delete_document(assessment_id, document_id):
    found = services.get_assessment(assessment_id, current_user)
    doc = services.get_document(found, document_id)
    refused_redirect(url_for(".assessment", assessment_id=found.id))
    services.delete_document(current_user, now_utc(), found, doc)
    flash(_("%(file)s is removed.", file=doc.filename), "success")
    return redirect(url_for(".assessment", assessment_id=found.id))


# ---- responsibilities ----

@bp.post("/recommendations/<int:rec_id>/responsibilities")
def set_responsibilities(rec_id):
    rec = db.get_or_404(Recommendation, rec_id)
    back = url_for("upr.detail", rec_id=rec.id) + "#responsible"
    refused_redirect(back)
    items = []
    for role in ROLES:
        for value in request.form.getlist(role):
            if value:
                items.append({"organisation_id": value, "role": role})
    changed = services.set_responsibilities(current_user, now_utc(), rec, {"responsibilities": items})
    flash(_("Who is responsible is saved.") if changed else _("Nothing changed."), "success" if changed else "info")
    return redirect(back)

