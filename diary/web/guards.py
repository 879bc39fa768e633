"""Who may open a page: one decorator per kind of account, for every blueprint.

Each guard first asks for a login (Flask-Login's `login_required`: a visitor who is not logged
in is sent to the login page, or answered a JSON 401 under /api/). A logged-in account of
another kind gets 404, as for any page that is not theirs, so a page's existence is not
revealed either (diary/policy.py). A view that serves several kinds of account (the home page)
keeps `login_required` and asks the policy itself.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from diary import policy


def _guard(view: Callable, admit: Callable[[], tuple]) -> Callable:
    """The view behind a login (login_required) and `admit()`, which aborts with 404 for an
    account the page is not for and otherwise returns what the view gets before the URL's
    own arguments."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        return view(*admit(), *args, **kwargs)

    return wrapped


def _only_if(allowed: bool) -> tuple:
    """Nothing for the view when the account is allowed; else 404."""
    if not allowed:
        abort(404)
    return ()


def patient_required(view: Callable) -> Callable:
    """For a patient's own pages; the view gets the patient (through the policy) as its first
    argument. Clinicians and administrators have no diary: 404."""
    return _guard(view, lambda: (policy.patient_or_404(current_user, current_user.id),))


def clinician_required(view: Callable) -> Callable:
    """For the clinic's pages: clinicians only; patients and administrators get 404."""
    return _guard(view, lambda: _only_if(current_user.is_clinician))


def _member_clinics() -> tuple:
    """The viewer's clinics (by name) as a clinician who is an active, confirmed member of at
    least one; else 404."""
    _only_if(current_user.is_clinician)
    clinics = policy.member_clinics(current_user)
    _only_if(bool(clinics))
    return (clinics,)


def member_required(view: Callable) -> Callable:
    """For pages that act for a clinic: a clinician with at least one clinic of which they are
    an active, confirmed member; the view gets those clinics (by name) as its first argument.
    Anyone else, a clinician of no clinic (or a pending member) too, gets 404."""
    return _guard(view, _member_clinics)


def admin_required(view: Callable) -> Callable:
    """For the administrator's pages: administrators only; every other account gets 404."""
    return _guard(view, lambda: _only_if(current_user.is_admin))
