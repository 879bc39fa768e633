"""How the app words things (docs/wording.md): dates in words, counts that agree with their
noun, and no technical term left without plain words beside it.

The first part specifies the formatters of diary/i18n.py in British English. The second
renders the pages of the patient's records, sharing, account and inbox, the clinic's pages
and the administrator's, with data on every one, and reads their visible text as a person
would: tags, attributes, scripts and form fields removed.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from diary import i18n
from diary.auth.emails import duration_words
from diary.auth.second_factor_routes import recovery_used
from diary.extensions import db
from diary.models import User
from diary.reminders import services as reminder_services
from tests.clinic_support import CLINIC, assess, share
from tests.journal_helpers import TODAY, check_in, login_as
from tests.reminders_support import dispatch, save_reminder
from tests.treatments_support import TreatmentRecorder

SURGERY = date(2025, 12, 1)


# The formatters --------------------------------------------------------------------------


def test_a_day_a_sentence_is_about_has_its_weekday_and_its_date_in_words():
    assert i18n.long_date(date(2026, 3, 10)) == "Tuesday, 10 March 2026"
    assert i18n.long_date(date(2026, 3, 1)) == "Sunday, 1 March 2026"


def test_tables_and_lists_write_the_date_in_words_without_the_weekday():
    assert i18n.medium_date(date(2026, 3, 10)) == "10 March 2026"
    assert i18n.medium_date(date(2025, 12, 1)) == "1 December 2025"


def test_the_compact_styles_keep_day_and_month_in_words():
    assert i18n.short_date(date(2026, 3, 10)) == "Tue 10 Mar"
    assert i18n.day_month(date(2026, 3, 10)) == "10 March"
    assert i18n.month_year(date(2026, 3, 10)) == "March 2026"


def test_a_charts_axis_names_months_by_their_short_names():
    assert i18n.short_month(date(2026, 3, 10)) == "Mar"
    assert i18n.short_month(date(2026, 9, 1)) == "Sept"  # the British short form


def test_the_reports_chart_writes_the_month_names_it_is_given():
    from diary.clinic import report_chart

    series = report_chart.MonthlySeries(["2025-11-01"], [4.0], [None], "2025-11-01", "2026-02-28")
    german = ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.",
              "Nov.", "Dez.")
    svg = report_chart.monthly_chart_svg(series, month_names=german)
    assert ">Nov. 2025</text>" in svg and ">2026</text>" in svg
    assert ">Nov 2025</text>" in report_chart.monthly_chart_svg(series)


def test_a_time_is_read_on_the_clock_of_its_own_zone():
    noon = datetime(2026, 3, 10, 12, 5, tzinfo=UTC)
    assert i18n.clock_time(noon) == "12:05"
    assert i18n.clock_time(noon.astimezone(ZoneInfo("Europe/Berlin"))) == "13:05"
    assert i18n.clock_time(datetime(2026, 3, 10, 21, 30, tzinfo=UTC)) == "21:30"  # 24 hours


def test_a_payloads_iso_text_becomes_a_date_for_the_formatters():
    assert i18n.as_day("2026-03-10") == date(2026, 3, 10)
    assert i18n.as_day(date(2026, 3, 10)) == date(2026, 3, 10)
    assert i18n.as_day(None) is None


def test_counts_agree_with_their_noun(app):
    with app.test_request_context():
        assert i18n.ngettext("%(num)d month", "%(num)d months", 1) == "1 month"
        assert i18n.ngettext("%(num)d month", "%(num)d months", 2) == "2 months"
        assert i18n.ngettext("%(num)d month", "%(num)d months", 0) == "0 months"


def test_a_links_lifetime_is_said_in_the_largest_whole_unit(app):
    with app.test_request_context():
        assert duration_words(86400) == "1 day"
        assert duration_words(7 * 86400) == "7 days"
        assert duration_words(3600) == "1 hour"
        assert duration_words(30 * 60) == "30 minutes"
        assert duration_words(61) == "61 seconds"


def test_the_recovery_codes_left_are_counted_in_the_singular_too(app):
    with app.test_request_context():
        assert recovery_used(1).endswith("1 recovery code left.")
        assert recovery_used(9).endswith("9 recovery codes left.")


# Reading a page as a person does ---------------------------------------------------------

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
IP_ADDRESS = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
# Elements whose content a person does not read as text: code, styles, and form fields
# (a field's value is ISO on purpose, for the date picker).
HIDDEN = re.compile(r"<(script|style|textarea|select|head)\b.*?</\1>", re.S | re.I)

# Each technical term a person meets, and the plain words that must stand beside it.
EXPLAINED = {
    "FHIR": re.compile(r"hospital|system", re.I),
    "codebook": re.compile(r"guide to (the|their) columns", re.I),
    "audit trail": re.compile(r"\bwho\b", re.I),
    "pseudonym": re.compile(r"code instead of their name", re.I),
}
# Words that must not appear at all: they have plain replacements (docs/wording.md, Glossary).
FORBIDDEN = ("entered later", "entered late", "From address", "code(s)")
NEAR = 120  # characters either side of a term in which its explanation must stand


def visible_text(body: str) -> str:
    """The text a person reads: without head, scripts, form fields, tags and attributes."""
    body = HIDDEN.sub(" ", body)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body)).strip()


def wording_problems(text: str) -> list[str]:
    """Every ISO date, bare technical term, forbidden word and unexplained address in a text."""
    problems = [f"ISO date {m.group()!r}: {around(text, m)}" for m in ISO_DATE.finditer(text)]
    for term, explanation in EXPLAINED.items():
        for m in re.finditer(re.escape(term), text, re.I):
            if not explanation.search(around(text, m)):
                problems.append(f"{term!r} without plain words: {around(text, m)}")
    problems += [f"{word!r}: {text[max(0, i - 60):i + 60]}" for word in FORBIDDEN
                 if (i := text.find(word)) >= 0]
    for m in IP_ADDRESS.finditer(text):
        if not re.search(r"computer or phone|device or network", text[m.end():m.end() + NEAR]):
            problems.append(f"address {m.group()} unexplained: {around(text, m)}")
    return problems


def around(text: str, match: re.Match) -> str:
    return text[max(0, match.start() - NEAR):match.end() + NEAR]


def test_the_reading_finds_iso_dates_bare_terms_and_addresses_but_not_field_values():
    page = ('<head><title>x</title></head><p>Saved 2026-03-10. From address 127.0.0.1</p>'
            '<p>Download as FHIR.</p><input name="day" value="2026-03-10">'
            '<time datetime="2026-03-10">10 March 2026</time>'
            '<select><option value="2026-03-09">2026-03-09</option></select>')
    text = visible_text(page)
    assert "10 March 2026" in text and 'value=' not in text
    problems = wording_problems(text)
    assert len(problems) == 4, problems  # the date, FHIR, "From address" and the address
    assert wording_problems(visible_text(
        "<p>The record file that hospital systems read (FHIR), a guide to the columns (codebook);"
        " the network address 127.0.0.1 (the computer or phone that opened it).</p>")) == []


@pytest.fixture
def diary(app, patient, make_user):
    """A patient with a year of diary, an MVD, toxin and medication, sharing with the clinic,
    whose review the clinician opened and assessed; a reminder waits in the inbox."""
    treatments = TreatmentRecorder(app, patient)
    treatments.injection(date(2025, 5, 12), total_units="25")
    treatments.injection(date(2025, 8, 11), total_units="1")
    treatments.surgery(SURGERY, vessels=["aica"])
    treatments.regimen(started_on=date(2026, 1, 5))
    for offset in range(0, 120, 3):
        day = date.fromordinal(TODAY.toordinal() - offset)
        check_in(app, patient, day, 12 if day < SURGERY else 0)
    clinician = make_user("surgeon@example.org", role="clinician", clinic=CLINIC,
                          display_name="Dr. Roth")
    share(app, patient)
    assess(app, clinician, patient, date(2026, 2, 2), outcome="spasm_free", note="Doing well.",
           note_visible_to_patient=True)
    dispatch(app, datetime(2026, 3, 10, 19, 0, tzinfo=UTC))
    admin = make_user("root@example.org", role="admin", display_name="Root")
    return {"patient": patient, "clinician": clinician, "admin": admin}


# The chart's own part of a page (templates/progress/_chart.html: the figure and the list of
# treatments under it) is the trajectory chart's, worded with it; the rest is read here.
CHART = re.compile(r'<ul class="treatment-list".*?</ul>', re.S)


def pages_of(client, user_id: int, paths: list[str]) -> dict[str, str]:
    """Each page's visible text, as the account reads it, without the chart's own part."""
    login_as(client, user_id)
    texts = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        texts[path] = visible_text(CHART.sub(" ", response.get_data(as_text=True)))
    return texts


def test_the_clinics_pages_write_dates_in_words_and_explain_their_terms(client, diary):
    patient = diary["patient"]
    texts = pages_of(client, diary["clinician"], [
        "/clinic/patients", f"/clinic/patients/{patient}", f"/clinic/patients/{patient}/report",
        "/clinic/cohort", "/clinic/members", "/clinic/settings", "/clinic/invite",
        "/clinic/add-patient", f"/clinic/patients/{patient}/assessments/new",
        f"/clinic/patients/{patient}/baseline",
    ])
    assert "MVD 1 December 2025" in texts["/clinic/patients"]
    review = texts[f"/clinic/patients/{patient}"]
    assert ", 1 unit " in review and ", 25 units " in review and "1 units" not in review
    assert "Date 1 December 2025 (99 days ago)" in texts[f"/clinic/patients/{patient}/report"]
    assert {path: wording_problems(text) for path, text in texts.items()} == dict.fromkeys(texts, [])


def test_the_patients_records_sharing_account_and_inbox_pages_speak_plainly(client, diary):
    # The clinician opens the review first, so that the access log has an address to explain.
    pages_of(client, diary["clinician"], [f"/clinic/patients/{diary['patient']}"])
    texts = pages_of(client, diary["patient"], [
        "/export", "/sharing", "/sharing/access-log", "/account", "/account/delete", "/inbox",
        "/trajectory/summary",
    ])
    code_page = client.post("/sharing/codes", data={"birth_date": ""})
    assert code_page.status_code == 200
    texts["/sharing/codes"] = visible_text(code_page.get_data(as_text=True))

    assert "the network address 127.0.0.1" in texts["/sharing/access-log"].lower()
    assert "Tuesday, 10 March 2026 at" in texts["/sharing/access-log"]
    assert "Spasm-free" in texts["/trajectory/summary"]
    assert "2 February 2026" in texts["/trajectory/summary"]
    assert {path: wording_problems(text) for path, text in texts.items()} == dict.fromkeys(texts, [])


def test_the_administrators_pages_explain_the_audit_trail_and_its_addresses(client, diary):
    # Something for the audit trail to show: the clinician opens the review.
    pages_of(client, diary["clinician"], [f"/clinic/patients/{diary['patient']}"])
    texts = pages_of(client, diary["admin"], ["/admin/", "/admin/audit", "/admin/staff",
                                              "/admin/clinics/new"])
    assert "Who did what (audit trail)" in texts["/admin/audit"]
    assert "10 March 2026 at 12:00 UTC" in texts["/admin/audit"]
    assert {path: wording_problems(text) for path, text in texts.items()} == dict.fromkeys(texts, [])


def test_the_pages_before_login_speak_plainly(client):
    texts = {}
    for path in ("/login", "/register", "/password/forgot", "/resend-verification"):
        response = client.get(path)
        assert response.status_code == 200, path
        texts[path] = visible_text(response.get_data(as_text=True))
    assert {path: wording_problems(text) for path, text in texts.items()} == dict.fromkeys(texts, [])


def test_reminder_mail_writes_every_date_in_words(app, make_user, mailbox, clock):
    """A week of every kind of reminder, by email: outside a request, the mail uses the same
    formatters; only the links carry an ISO day."""
    patient = make_user("mail@example.org", display_name="Pat")
    now = clock()
    treatments = TreatmentRecorder(app, patient)
    treatments.injection(injected_on=date(2025, 12, 27))
    treatments.regimen(doses_per_day=2, times_of_day=("08:00", "20:00"))
    for kind in ("injection", "medication", "follow_up"):
        save_reminder(app, patient, kind, now, enabled=True)
    with app.app_context():
        user = db.session.get(User, patient)
        reminder_services.add_visit(
            user, reminder_services.VisitValues(date(2026, 3, 12), 9 * 60, "Outpatients"))
    moment = now
    while moment < now + timedelta(days=8):
        dispatch(app, moment)
        moment += timedelta(hours=1)

    messages = mailbox.messages(to="mail@example.org")
    assert len({m["Subject"] for m in messages}) >= 4, [m["Subject"] for m in messages]
    for message in messages:
        text = re.sub(r"https?://\S+", " ", message.get_body(("plain",)).get_content())
        body = visible_text(message.get_body(("html",)).get_content())
        assert wording_problems(text) == [] and wording_problems(body) == [], message["Subject"]
        assert not ISO_DATE.search(message["Subject"]), message["Subject"]
    injection = next(m for m in messages if m["Subject"] == "A reminder about your next treatment")
    assert "Your last injection was on Saturday, 27 December 2025. At 12 weeks" in \
        " ".join(injection.get_body(("plain",)).get_content().split())
