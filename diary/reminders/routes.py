"""Reminder pages: settings, follow-up visits, the inbox, and the unsubscribe link."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from diary.clock import local_today, utcnow
from diary.extensions import csrf
from diary.i18n import clock_time, gettext, lazy_gettext, long_date
from diary.models import User
from diary.models.reminder import Cadence, ReminderKind
from diary.reminders import services
from diary.reminders.delivery import inbox
from diary.reminders.forms import (
    KINDS,
    SLUGS,
    WHAT,
    CadenceForm,
    SwitchForm,
    VisitForm,
    reminder_form,
    reminder_line,
)
from diary.reminders.forms import ReminderForm as _ReminderForm
from diary.reminders.services import ReminderValues
from diary.web.guards import patient_required
from diary.web.pages import INVALID, page_arg

bp = Blueprint("reminders", __name__)
bp.add_app_template_filter(reminder_line, "reminder_line")
log = logging.getLogger(__name__)

MAX_TOKEN_LENGTH = 512
INBOX_PAGE_SIZE = 30


@bp.app_context_processor
def inbox_badge() -> dict:
    """`inbox_unread()` for the header: the count is read only when a page shows it."""

    def inbox_unread() -> int | None:
        if not (current_user.is_authenticated and current_user.is_patient):
            return None
        try:
            return inbox.unread_count(current_user.id)
        except SQLAlchemyError:
            # A badge is not worth failing a page for (an error page among them).
            log.exception("could not count unread inbox messages")
            return None

    return {"inbox_unread": inbox_unread}


SAVED = {
    ReminderKind.CHECK_IN: lazy_gettext("Diary reminder saved."),
    ReminderKind.INJECTION: lazy_gettext("Injection reminder saved."),
    ReminderKind.FOLLOW_UP: lazy_gettext("Follow-up visit reminder saved."),
    ReminderKind.MEDICATION: lazy_gettext("Medication reminder saved."),
}
SWITCHED_ON = {
    ReminderKind.CHECK_IN: lazy_gettext("The diary reminder is on."),
    ReminderKind.INJECTION: lazy_gettext("The injection reminder is on."),
    ReminderKind.FOLLOW_UP: lazy_gettext("The visit reminder is on."),
    ReminderKind.MEDICATION: lazy_gettext("The medication reminder is on."),
}
SWITCHED_OFF = {
    ReminderKind.CHECK_IN: lazy_gettext("The diary reminder is off. Its settings are kept."),
    ReminderKind.INJECTION: lazy_gettext("The injection reminder is off. Its settings are kept."),
    ReminderKind.FOLLOW_UP: lazy_gettext("The visit reminder is off. Its settings are kept."),
    ReminderKind.MEDICATION: lazy_gettext("The medication reminder is off. Its settings are kept."),
}


def _next_words(reminder) -> str:
    """What the flash adds after a save: when it comes next, or that nothing is due."""
    if reminder.enabled and reminder.next_due is not None:
        return " " + gettext("Next: %(day)s at %(time)s.", day=long_date(reminder.next_due.date()),
                             time=clock_time(reminder.next_due))
    if reminder.enabled:
        return " " + gettext("Nothing is due for now.")
    return ""


def _visit_form(patient: User, **kwargs) -> VisitForm:
    """The add-a-visit form, bound to the patient's today."""
    first, last = services.visit_day_range(local_today(patient.timezone))
    return VisitForm(first_day=first, last_day=last, **kwargs)


def _render_settings(
    patient: User,
    *,
    invalid: _ReminderForm | None = None,
    visit_form: VisitForm | None = None,
    status: int = 200,
):
    """The settings page; a form that failed validation is shown with its errors."""
    view = services.settings_view(patient, utcnow())
    forms = {}
    for kind, reminder in view.reminders.items():
        if invalid is not None and invalid._prefix == f"{kind}-":
            forms[kind] = invalid
        else:
            forms[kind] = reminder_form(
                kind, cadence=reminder.cadence, formdata=None, data=reminder.form_data()
            )
    return render_template(
        "reminders/settings.html",
        view=view,
        forms=forms,
        slugs=SLUGS,
        what=WHAT,
        cadence_form=CadenceForm(formdata=None),
        visit_form=visit_form or _visit_form(patient, formdata=None),
    ), status


@bp.route("/reminders")
@patient_required
def settings(patient: User):
    """Every reminder's settings, the next time each comes, and the last deliveries."""
    return _render_settings(patient)


@bp.route("/reminders/<any('check-in', injection, 'follow-up', medication):slug>", methods=["POST"])
@patient_required
def save(patient: User, slug: str):
    """Save one reminder's settings."""
    kind = KINDS[slug]
    current = services.settings_view(patient, utcnow()).reminders[kind]
    form = reminder_form(kind, cadence=current.cadence)
    if not form.validate_on_submit():
        return _render_settings(patient, invalid=form, status=INVALID)
    reminder = services.save_reminder(patient, kind, form.values(), utcnow())
    flash(str(SAVED[kind]) + _next_words(reminder), "success")
    return redirect(url_for(".settings") + f"#{slug}")


@bp.route("/reminders/<any('check-in', injection, 'follow-up', medication):slug>/switch",
          methods=["POST"])
@patient_required
def switch(patient: User, slug: str):
    """One tap in the reminder's line: on or off, every other setting kept. A reminder switched
    on with nowhere to go comes to the inbox, which needs no confirmed address
    (docs/reminders.md, The settings page)."""
    kind = KINDS[slug]
    form = SwitchForm()
    if not form.validate_on_submit():
        flash(gettext("That did not work: please use the buttons on this page."), "error")
        return redirect(url_for(".settings") + f"#{slug}")
    current = services.settings_view(patient, utcnow()).reminders[kind]
    in_app = current.in_app or (form.switch_on and not current.by_email)
    values = ReminderValues(enabled=form.switch_on, by_email=current.by_email, in_app=in_app)
    reminder = services.save_reminder(patient, kind, values, utcnow())
    message = SWITCHED_ON[kind] if reminder.enabled else SWITCHED_OFF[kind]
    flash(str(message) + _next_words(reminder), "success")
    return redirect(url_for(".settings") + f"#{slug}")


@bp.route("/reminders/check-in/cadence", methods=["POST"])
@patient_required
def switch_cadence(patient: User):
    """Switch the diary reminder to weekly (offered in a long remission), or back to daily."""
    form = CadenceForm()
    if not form.validate_on_submit():
        flash(gettext("That did not work: please use the buttons on this page."), "error")
        return redirect(url_for(".settings"))
    services.set_cadence(patient, form.cadence.data, utcnow())
    if form.cadence.data == Cadence.WEEKLY:
        flash(gettext("Your diary reminder now comes once a week, on Sunday. "
                      "You can pick another day in its settings."), "success")
    else:
        flash(gettext("Your diary reminder comes every day again."), "success")
    return redirect(url_for(".settings") + "#check-in")


@bp.route("/reminders/visits", methods=["POST"])
@patient_required
def add_visit(patient: User):
    """Add a follow-up visit the patient has booked."""
    form = _visit_form(patient)
    if not form.validate_on_submit():
        return _render_settings(patient, visit_form=form, status=INVALID)
    values = form.values()
    services.add_visit(patient, values)
    flash(gettext("Visit added: %(day)s at %(time)s.", day=long_date(values.day),
                  time=form.visit_time.data.strftime("%H:%M")), "success")
    return redirect(url_for(".settings") + "#follow-up")


@bp.route("/reminders/visits/<id:visit_id>/delete", methods=["POST"])
@patient_required
def delete_visit(patient: User, visit_id: int):
    """Remove a visit (it was cancelled, or entered by mistake)."""
    services.delete_visit(current_user, visit_id)
    flash(gettext("Visit removed."), "success")
    return redirect(url_for(".settings") + "#follow-up")


# The inbox ------------------------------------------------------------------------------


@bp.route("/inbox")
@patient_required
def inbox_page(patient: User):
    """The in-app messages, newest first."""
    page = inbox.inbox_page(patient, page_arg(), INBOX_PAGE_SIZE)
    return render_template("reminders/inbox.html", inbox=page)


@bp.route("/inbox/<id:message_id>/read", methods=["POST"])
@patient_required
def mark_read(patient: User, message_id: int):
    """Mark one message read."""
    inbox.mark_read(current_user, message_id, utcnow())
    return redirect(url_for(".inbox_page") + f"#message-{message_id}")


@bp.route("/inbox/read", methods=["POST"])
@patient_required
def mark_all_read(patient: User):
    """Mark every message read."""
    count = inbox.mark_all_read(patient, utcnow())
    flash(gettext("All messages are marked read.") if count else gettext("Nothing was unread."),
          "success")
    return redirect(url_for(".inbox_page"))


# Unsubscribing, without logging in -----------------------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """GET asks "Stop these emails?"; POST stops them (the page's button, or a mail client's
    RFC 8058 one-click POST). No CSRF token: the signed token in the URL is the authority,
    and all it can do is stop emails."""
    valid = len(token) <= MAX_TOKEN_LENGTH
    if request.method == "POST":
        done = services.unsubscribe(token, utcnow()) if valid else None
        if done is None:
            return _bad_link()
        current_app.logger.info("reminder emails stopped through an unsubscribe link")
        return render_template("reminders/unsubscribed.html", unsubscription=done)
    found = services.unsubscription(token) if valid else None
    if found is None:
        return _bad_link()
    return render_template("reminders/unsubscribe.html", unsubscription=found, token=token)


def _bad_link():
    """A link that is not ours: 404, in words a patient understands."""
    return render_template("reminders/unsubscribe_invalid.html"), 404
