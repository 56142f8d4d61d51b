"""Cluster pages: the list, a cluster's history across cycles, add/rename/merge/delete, members, and
the suggestions to confirm. Staff write, as they may edit recommendations."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from engage import downloads
from engage.auth.permissions import export_confirmed, require_role_for_blueprint
from engage.boundary import form_page, on_refusal, refused_redirect
from engage.clock import now_utc
from engage.countries import country_name
from engage.errors import NotFoundError
from engage.extensions import db
from engage.forms import apply_errors
from engage.history import history_for
from engage.implementation.forms import AssessmentForm
from engage.implementation.queries import latest_assessments
from engage.implementation.views import meeting_choices, uploads
from engage.recommendations.models import RESPONSE_COLOURS, RESPONSES, Recommendation
from engage.recommendations.queries import cycles_in_use

from . import exports, queries, services, suggestions
from .forms import ClusterForm, ConfirmForm, FilterForm, MembersForm, MergeForm, PlainForm

bp = Blueprint("clusters", __name__, url_prefix="/clusters")
require_role_for_blueprint(bp, "staff")


@bp.context_processor
def _page_helpers():
    return {"responses": RESPONSES, "response_colours": RESPONSE_COLOURS, "country_name": country_name}


def _filter_form() -> FilterForm:
    form = FilterForm(formdata=request.args)
    form.fill_choices()
    return form


@bp.route("/")
def index():
    form = _filter_form()
    pagination = db.paginate(services.cluster_query(**form.filters()), per_page=current_app.config["PER_PAGE"],
                             error_out=False)
    return render_template("clusters/index.html", form=form, pagination=pagination,
                           summaries=queries.summaries(c.id for c in pagination.items),
                           filtered=any(v for k, v in request.args.items() if k != "page"))


@bp.route("/export.csv")
@export_confirmed("clusters")
def export():
    produced = downloads.produce(exports.clusters_csv(services.cluster_query(**_filter_form().filters())))
    return downloads.send(produced, "text/csv; charset=utf-8", "clusters.csv")


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = ClusterForm()
    if not form.is_submitted() and request.args.get("recommendation_id", type=int):
        form.recommendation_ids.data = [request.args.get("recommendation_id", type=int)]
    page = form_page(form, "clusters/form.html", 422, cluster=None)
    if form.validate_on_submit():
        cluster = services.create_cluster(current_user, now_utc(), form.service_data())
        flash(_("Cluster “%(name)s” is saved.", name=cluster.name), "success")
        return redirect(url_for(".detail", cluster_id=cluster.id))
    return page()


def _assess_form(form: AssessmentForm | None = None) -> AssessmentForm:
    if form is None:
        form = AssessmentForm(formdata=None)
        form.assessed_on.data = now_utc().date().isoformat()
    selected = str(form.meeting_id.data or "")
    form.meeting_id.choices = meeting_choices(int(selected) if selected.isdigit() and len(selected) < 10 else None)
    return form


def _detail(cluster, status=200, **forms):
    members = queries.members_of(cluster)
    others = [(str(i), name) for i, name in queries.all_clusters() if i != cluster.id]
    merge = forms.get("merge_form") or MergeForm()
    merge.cluster_id.choices = [("", _("— choose a cluster —"))] + others
    rename = forms.get("rename_form") or ClusterForm(with_members=False, data={
        "name": cluster.name, "description": cluster.description})
    return render_template("clusters/detail.html", cluster=cluster, members=members,
                           by_cycle=queries.members_by_cycle(members),
                           assessments=latest_assessments(current_user, [m.recommendation_id for m in members]),
                           members_form=forms.get("members_form") or MembersForm(), merge_form=merge,
                           rename_form=rename, plain_form=PlainForm(), history=history_for(cluster),
                           assess_form=forms.get("assess_form") or _assess_form()), status


@bp.route("/<int:cluster_id>")
def detail(cluster_id):
    return _detail(services.get_cluster(cluster_id))


@bp.route("/<int:cluster_id>/assess", methods=["POST"])
def assess(cluster_id):
    cluster = services.get_cluster(cluster_id)
    form = _assess_form(AssessmentForm())

    def answer(exc):
        # The cluster's page again, the errors beside their fields (a message for the rest), nothing saved.
        apply_errors(form, exc)
        return _detail(cluster, exc.status if exc.status in (403, 413) else 422, assess_form=form)
    on_refusal(answer)
    if not form.validate_on_submit():
        flash(_("The form expired; try again."), "warning")
        return _detail(cluster, 422, assess_form=form)
    made = services.assess_cluster(current_user, now_utc(), cluster, form.values(), uploads(form))
    flash(ngettext("The assessment is saved for its recommendation: %(status)s.",
                   "The assessment is saved for all %(num)d recommendations: %(status)s.", len(made),
                   status=_(made[0].status_label)), "success")
    return redirect(url_for(".detail", cluster_id=cluster.id) + "#assess")


@bp.route("/<int:cluster_id>/edit", methods=["POST"])
def edit(cluster_id):
    cluster = services.get_cluster(cluster_id)
    form = ClusterForm(with_members=False)
    page = form_page(form, "clusters/form.html", 422, cluster=cluster)
    if form.validate_on_submit():
        changed = services.update_cluster(current_user, now_utc(), cluster, form.service_data())
        flash(_("Saved.") if changed else _("Nothing changed."), "success" if changed else "info")
        return redirect(url_for(".detail", cluster_id=cluster.id))
    return page()


@bp.route("/<int:cluster_id>/members", methods=["POST"])
def add_members(cluster_id):
    cluster = services.get_cluster(cluster_id)
    refused_redirect(url_for(".detail", cluster_id=cluster.id))
    form = MembersForm()
    if form.validate_on_submit():
        added = services.add_members(current_user, now_utc(), cluster,
                                     {"recommendation_ids": list(form.recommendation_ids.data or [])})
        flash(ngettext("Added %(num)d recommendation.", "Added %(num)d recommendations.", len(added)) if added
              else _("Those are in this cluster already."),
              "success" if added else "info")
    else:
        flash(_("The form expired; try again."), "warning")
    return redirect(url_for(".detail", cluster_id=cluster.id))


@bp.route("/<int:cluster_id>/members/<int:rec_id>/remove", methods=["POST"])
def remove_member(cluster_id, rec_id):
    cluster = services.get_cluster(cluster_id)
    refused_redirect(url_for(".detail", cluster_id=cluster.id))
    if PlainForm().validate_on_submit():
        services.remove_member(current_user, now_utc(), cluster, rec_id)
        flash(_("Removed from the cluster; the recommendation itself is kept."), "success")
    else:
        flash(_("The form expired; try again."), "warning")
    return redirect(url_for(".detail", cluster_id=cluster.id))


@bp.route("/<int:cluster_id>/merge", methods=["POST"])
def merge(cluster_id):
    cluster = services.get_cluster(cluster_id)
    refused_redirect(url_for(".detail", cluster_id=cluster.id))
    form = MergeForm()
    if form.validate_on_submit():
        moved = services.merge_clusters(current_user, now_utc(), cluster, {"cluster_id": form.cluster_id.data})
        flash(ngettext("Merged: %(num)d recommendation moved here.", "Merged: %(num)d recommendations moved here.", moved),
              "success")
    else:
        flash(_("The form expired; try again."), "warning")
    return redirect(url_for(".detail", cluster_id=cluster.id))


@bp.route("/<int:cluster_id>/delete", methods=["POST"])
def delete(cluster_id):
    cluster = services.get_cluster(cluster_id)
    refused_redirect(url_for(".detail", cluster_id=cluster.id))
    if not PlainForm().validate_on_submit():
        flash(_("The form expired; try again."), "warning")
        return redirect(url_for(".detail", cluster_id=cluster.id))
    name = cluster.name
    services.delete_cluster(current_user, now_utc(), cluster)
    flash(_("Cluster “%(name)s” is deleted; its recommendations are kept.", name=name), "success")
    return redirect(url_for(".index"))


@bp.route("/suggestions")
def suggest():
    cycles = cycles_in_use()
    cycle = request.args.get("cycle", type=int)
    if cycle is not None and cycle not in cycles:
        raise NotFoundError(_("No recommendations of cycle %(cycle)s.", cycle=cycle))
    cycle = cycle if cycle is not None else (cycles[0] if cycles else None)
    found = suggestions.proposals(cycle) if cycle is not None else []
    return render_template("clusters/suggestions.html", proposals=found, cycle=cycle, cycles=cycles,
                           form=ConfirmForm(), bar=suggestions.bar())


@bp.route("/for/<int:rec_id>")
def similar(rec_id):
    rec = db.get_or_404(Recommendation, rec_id)
    return render_template("clusters/similar.html", rec=rec, cluster=queries.clusters_of([rec.id]).get(rec.id),
                           ranked=suggestions.similar_to(rec), form=ConfirmForm(),
                           bar=suggestions.bar())


@bp.route("/suggestions/confirm", methods=["POST"])
def confirm():
    # Back to the suggestions of the cycle confirmed from (the next group is there), else to the cluster.
    cycle = request.form.get("cycle", type=int)
    back = url_for(".suggest", cycle=cycle) if cycle else url_for(".suggest")
    refused_redirect(back)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form expired; try again."), "warning")
        return redirect(back)
    cluster = suggestions.confirm(current_user, now_utc(), {
        # As text, so the schema names whatever is not an id.
        "recommendation_ids": ";".join(form.recommendation_ids.data or []), "cluster_id": form.cluster_id.data or None,
        "name": form.name.data or None})
    flash(_("Confirmed: cluster “%(name)s”.", name=cluster.name), "success")
    return redirect(back if cycle else url_for(".detail", cluster_id=cluster.id))
