"""The page of one background import (progress, then the result or the lines to fix) and its JSON state."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_babel import gettext as _
from flask_login import current_user

from engage.auth.permissions import require_role_for_blueprint
from engage.csvfiles import size_label

from . import services

bp = Blueprint("imports", __name__, url_prefix="/imports")
# Staff at least; each job is then shown only to whom services.may_see allows (others get a 404).
require_role_for_blueprint(bp, "staff")


@bp.context_processor
def _page_helpers():
    return {"size_label": size_label}


@bp.route("/<int:job_id>")
def show(job_id):
    job = services.get_job(current_user, job_id)
    return render_template("importjobs/show.html", job=job, kind=services.kind_of(job),
                           report=services.report_of(job) if job.finished else None)


@bp.route("/<int:job_id>.json")
def state(job_id):
    job = services.get_job(current_user, job_id)
    state = services.job_state(job)
    # The page's script shows these words as they are: in the reader's language, like the page.
    state["status_label"], state["phase_label"] = _(state["status_label"]), _(state["phase_label"])
    done, total = f"{job.rows_done:,}", f"{job.rows_total:,}"  # apart: the catalogues' extractor reads every argument
    state["progress_text"] = _("%(phase)s: %(done)s of %(total)s rows", phase=state["phase_label"], done=done,
                               total=total)
    response = jsonify(state)
    response.headers["Cache-Control"] = "no-store"
    return response
