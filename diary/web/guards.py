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


def patient_required(view: Callable) -> Callable:
    """For a patient's own pages; the view gets the patient (through the policy) as its first
    argument. Clinicians and administrators have no diary: 404."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        patient = policy.patient_or_404(current_user, current_user.id)
        return view(patient, *args, **kwargs)

    return wrapped


def clinician_required(view: Callable) -> Callable:
    """For the clinic's pages: clinicians only; patients and administrators get 404."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_clinician:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def member_required(view: Callable) -> Callable:
    """For pages that act for a clinic: a clinician with at least one clinic of which they are
    an active, confirmed member; the view gets those clinics (by name) as its first argument.
    Anyone else, a clinician of no clinic (or a pending member) too, gets 404."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_clinician:
            abort(404)
        clinics = policy.member_clinics(current_user)
        if not clinics:
            abort(404)
        return view(clinics, *args, **kwargs)

    return wrapped


def admin_required(view: Callable) -> Callable:
    """For the administrator's pages: administrators only; every other account gets 404."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapped
