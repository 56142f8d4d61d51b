"""Meeting pages."""
from flask import Blueprint

from engage.auth.permissions import require_role_for_blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
require_role_for_blueprint(bp, "staff")
