"""Recommendation pages."""
from flask import Blueprint

from engage.auth.permissions import require_role_for_blueprint

bp = Blueprint("upr", __name__, url_prefix="/recommendations")
require_role_for_blueprint(bp, "staff")
