"""Diary pages: each parses its input, calls one query or service, and renders."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diary import policy
from diary.clock import local_today
from diary.i18n import gettext, ngettext, weekday
from diary.journal import queries, services, wording
from diary.journal.forms import (
    CheckInForm,
    DayCountForm,
    EpisodeEditForm,
    EpisodeLengthForm,
    NoSpasmsSinceForm,
    NoSpasmsTodayForm,
    SpasmNowForm,
)
from diary.models import Side, User
from diary.web.guards import patient_required
from diary.web.pages import INVALID, page_arg, render_form

bp = Blueprint("journal", __name__)

TEMPLATE_FILTERS = (
    "spasms",
    "duration_label",
    "seconds_label",
    "entry_lines",
)
for _name in TEMPLATE_FILTERS:
    bp.add_app_template_filter(getattr(wording, _name), _name)
bp.add_app_template_filter(weekday, "weekday")


def _day_arg(today: date) -> tuple[date, date | None]:
    """The ?day= of a link (today when absent or unreadable), and the day asked for when it
    has not come yet (the page then says so rather than show another day)."""
    raw = request.args.get("day")
    if not raw:
        return today, None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        flash(gettext("That link's date could not be read, so the page shows today."), "warning")
        return today, None
    if day > today:
        return today, day
    return day, None


def _strip_start(today: date) -> date:
    """The first day of the home page's strip."""
    return today - timedelta(days=queries.STRIP_DAYS - 1)


def _render_home(
    patient: User,
    *,
    since_form: NoSpasmsSinceForm | None = None,
    count_form: DayCountForm | None = None,
    status: int = 200,
):
    """The home page: the count box for the chosen day, the one-tap buttons and the strip."""
    today = local_today(patient.timezone)
    view = queries.home_view(patient.id, today)
    future = None
    if count_form is not None:
        chosen = count_form.day.data if count_form.day.data in {d.day for d in view.strip} else today
    else:
        chosen, future = _day_arg(today)
        if chosen < _strip_start(today):
            chosen = today
    chosen_day = next(d for d in view.strip if d.day == chosen)
    if count_form is None:
        count_form = DayCountForm(
            formdata=None,
            data={"day": chosen, "spasm_count": chosen_day.check_in_count},
            today=today,
            earliest=_strip_start(today),
        )
    return render_template(
        "journal/home.html",
        view=view,
        chosen=chosen_day,
        # A day picked in the strip takes the focus, so the number can be typed at once.
        focus_count=bool(request.args.get("day")) and future is None,
        future=future,
        spasm_free_days=queries.SPASM_FREE_DAYS,
        count_form=count_form,
        spasm_now=SpasmNowForm.fresh(),
        none_today=NoSpasmsTodayForm(),
        none_since=since_form or NoSpasmsSinceForm(formdata=None, today=today),
    ), status


@bp.route("/")
def home():
    """Today, for a patient; the patient list for a clinician; a pointer to the account page
    for everyone else; and for a visitor who is not logged in, what the app is and the way in."""
    if not current_user.is_authenticated:
        return render_template("public/landing.html")
    if current_user.is_clinician:
        return redirect(url_for("clinic.patient_list"))
    if not current_user.is_patient:
        return render_template("journal/home_other.html")
    return _render_home(policy.patient_or_404(current_user, current_user.id))


@bp.route("/checkin/count", methods=["POST"])
@patient_required
def save_count(patient: User):
    """The home page's count box: the number of spasms of one day, the rest left as it was."""
    today = local_today(patient.timezone)
    form = DayCountForm(today=today, earliest=_strip_start(today))
    if form.validate_on_submit():
        day, count = form.day.data, form.spasm_count.data
        try:
            services.save_check_in(
                patient,
                current_user,
                services.CheckInValues(day=day, spasm_count=count),
                count_only=True,
            )
        except services.DiaryError as error:
            form.day.errors.append(str(error))
        else:
            flash(
                gettext("Saved %(day)s: %(count)s.", day=wording.long_date(day), count=wording.spasms(count)),
                "success",
            )
            return redirect(url_for(".home"))
    return _render_home(patient, count_form=form, status=INVALID)


@bp.route("/checkin", methods=["GET", "POST"])
@patient_required
def checkin(patient: User):
    """The daily check-in for a local date (today by default), prefilled when it exists."""
    today = local_today(patient.timezone)
    ask_side = patient.affected_side == Side.BOTH
    onset = patient.symptoms_since_year
    if request.method == "POST":
        form = CheckInForm(today=today, ask_side=ask_side, onset_year=onset)
        if form.validate_on_submit():
            values = form.values()
            try:
                services.save_check_in(patient, current_user, values)
            except services.DiaryError as error:
                form.day.errors.append(str(error))
            else:
                flash(
                    gettext(
                        "Saved %(day)s: %(count)s.",
                        day=wording.long_date(values.day),
                        count=wording.spasms(values.spasm_count),
                    ),
                    "success",
                )
                return redirect(url_for(".home"))
        return render_form("journal/checkin.html", form, existing=None, future=None)
    day, future = _day_arg(today)
    existing = None if future else queries.check_in_on(patient.id, day)
    data = existing.form_data() if existing else {"day": day}
    form = CheckInForm(formdata=None, data=data, today=today, ask_side=ask_side, onset_year=onset)
    return render_template("journal/checkin.html", form=form, existing=existing, future=future)


@bp.route("/checkin/none", methods=["POST"])
@patient_required
def no_spasms_today(patient: User):
    """One tap: no spasms today, unless today already has an entry."""
    if NoSpasmsTodayForm().validate_on_submit():
        outcome = services.record_no_spasms_today(patient, current_user)
        if outcome.recorded:
            flash(gettext("Saved: no spasms today."), "success")
        elif outcome.already:
            flash(
                gettext("Today already has %(count)s, so nothing was changed. "
                        "To correct it, change today's check-in.",
                        count=wording.spasms(outcome.already)),
                "warning",
            )
        else:
            flash(gettext("Today is already logged with no spasms."), "success")
    return redirect(url_for(".home"))


@bp.route("/checkin/none-since", methods=["POST"])
@patient_required
def no_spasms_since(patient: User):
    """Explicit zero days from a date up to today, never over an existing entry."""
    form = NoSpasmsSinceForm(today=local_today(patient.timezone))
    if not form.validate_on_submit():
        return _render_home(patient, since_form=form, status=INVALID)
    try:
        outcome = services.record_no_spasms_since(patient, current_user, form.since.data)
    except services.DiaryError as error:
        form.since.errors.append(str(error))
        return _render_home(patient, since_form=form, status=INVALID)
    recorded = wording.days(len(outcome.recorded))
    if outcome.kept:
        # One message, so a translation may order the two halves its own way
        # (docs/wording.md, Strings).
        message = ngettext(
            "Saved %(recorded)s with no spasms. %(num)d day already had an entry and stayed as it was.",
            "Saved %(recorded)s with no spasms. %(num)d days already had an entry and stayed as they were.",
            len(outcome.kept), recorded=recorded,
        )
    else:
        message = gettext("Saved %(recorded)s with no spasms.", recorded=recorded)
    flash(message, "success")
    return redirect(url_for(".home"))


@bp.route("/episodes", methods=["POST"])
@patient_required
def spasm_now(patient: User):
    """One tap: a spasm now. A double tap (same page token) records it once."""
    form = SpasmNowForm()
    if not form.validate_on_submit():
        flash(gettext("That tap could not be recorded: the page was out of date. Please tap again."), "error")
        return redirect(url_for(".home"))
    seconds = form.duration_seconds.data
    episode_id = services.record_spasm_now(patient, current_user, form.client_token.data, seconds)
    if episode_id is None:
        flash(gettext("That spasm was recorded and then deleted. Tap again to record a new one."), "warning")
        return redirect(url_for(".home"))
    if seconds is not None:
        flash(gettext("Saved: a spasm that lasted %(length)s.", length=wording.seconds_label(seconds)), "success")
        return redirect(url_for(".home"))
    return redirect(url_for(".episode", episode_id=episode_id))


@bp.route("/episodes/<id:episode_id>", methods=["GET", "POST"])
@patient_required
def episode(patient: User, episode_id: int):
    """How long the spasm lasted (with a start/stop timer where JavaScript runs)."""
    view = queries.episode_view(current_user, episode_id, for_edit=True)
    form = EpisodeLengthForm(data={"duration_seconds": view.duration_seconds})
    if form.validate_on_submit():
        services.edit_episode(current_user, episode_id, duration_seconds=form.duration_seconds.data)
        flash(gettext("Saved: the spasm lasted %(length)s.", length=wording.seconds_label(form.duration_seconds.data)), "success")
        return redirect(url_for(".home"))
    return render_form("journal/episode.html", form, episode=view)


@bp.route("/episodes/<id:episode_id>/edit", methods=["GET", "POST"])
@patient_required
def edit_episode(patient: User, episode_id: int):
    """Correct a spasm's date, time (in the zone it was captured in) and length."""
    view = queries.episode_view(current_user, episode_id, for_edit=True)
    today = local_today(view.timezone)
    form = EpisodeEditForm(
        today=today,
        data={"day": view.day, "time": view.occurred_at.time(), "duration_seconds": view.duration_seconds},
    )
    if form.validate_on_submit():
        try:
            services.edit_episode(
                current_user,
                episode_id,
                duration_seconds=form.duration_seconds.data,
                day=form.day.data,
                at=form.time.data,
            )
        except services.DiaryError as error:
            form.time.errors.append(str(error))
        else:
            flash(gettext("Saved the changes to the spasm."), "success")
            return redirect(url_for(".history"))
    return render_form("journal/episode_edit.html", form, episode=view)


@bp.route("/checkins/<id:check_in_id>/delete", methods=["GET", "POST"])
@patient_required
def delete_check_in(patient: User, check_in_id: int):
    """Ask, then delete a check-in (kept as a revision, gone from every view and count)."""
    if request.method == "POST":
        services.delete_check_in(current_user, check_in_id)
        flash(gettext("Entry deleted."), "success")
        return redirect(url_for(".history"))
    view = queries.check_in_view(current_user, check_in_id, for_edit=True)
    return render_template("journal/delete.html", check_in=view, episode=None)


@bp.route("/episodes/<id:episode_id>/delete", methods=["GET", "POST"])
@patient_required
def delete_episode(patient: User, episode_id: int):
    """Ask, then delete a spasm episode (kept as a revision, gone from every view and count)."""
    if request.method == "POST":
        services.delete_episode(current_user, episode_id)
        flash(gettext("Entry deleted."), "success")
        return redirect(url_for(".history"))
    view = queries.episode_view(current_user, episode_id, for_edit=True)
    return render_template("journal/delete.html", check_in=None, episode=view)


@bp.route("/history")
@patient_required
def history(patient: User):
    """Every logged day, newest first, with its entries and markers."""
    page = queries.history_page(patient.id, page_arg(), current_app.config["HISTORY_PAGE_SIZE"])
    return render_template("journal/history.html", history=page)


@bp.route("/history/changes")
@patient_required
def changes(patient: User):
    """Every edit and deletion of the diary, with the values before it."""
    page = queries.changes_page(
        patient.id, patient.timezone, page_arg(), current_app.config["HISTORY_PAGE_SIZE"]
    )
    return render_template("journal/changes.html", changes=page, entry=None)


@bp.route("/checkins/<id:check_in_id>/changes")
@patient_required
def check_in_changes(patient: User, check_in_id: int):
    """The earlier versions of one check-in."""
    revisions = queries.entry_revisions(current_user, "check_in", check_in_id, patient.timezone)
    return render_template("journal/changes.html", changes=None, revisions=revisions, entry="check-in")


@bp.route("/episodes/<id:episode_id>/changes")
@patient_required
def episode_changes(patient: User, episode_id: int):
    """The earlier versions of one spasm episode."""
    revisions = queries.entry_revisions(current_user, "spasm_episode", episode_id, patient.timezone)
    return render_template("journal/changes.html", changes=None, revisions=revisions, entry="spasm")
