"""Directory pages (filled in by the directory work)."""
from flask import Blueprint

from engage.auth.permissions import require_role_for_blueprint

bp = Blueprint("directory", __name__, url_prefix="/directory")
require_role_for_blueprint(bp, "staff")


@bp.route("/organisations")
def organisations():
    return "directory"
