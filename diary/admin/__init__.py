"""The administrator's pages under /admin: clinics, members, staff accounts, the audit trail.

An administrator manages accounts and reads audit metadata, never a patient's diary
(DESIGN.md): nothing here reads a diary table, and policy.py gives administrators an empty
scope everywhere else. Every other account gets 404 here, as for any page not theirs.
"""

from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def administrators_only():
    """Anonymous visitors are asked to log in; other accounts get 404."""
    if not current_user.is_admin:
        abort(404)


from diary.admin import routes  # noqa: E402,F401  (routes attach themselves to bp)
