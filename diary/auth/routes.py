"""Account pages: register in two steps, confirm the address, log in and out, passwords, the account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from diary.auth import emails, services, session_store, sessions
from diary.auth.forms import (
    EmailForm,
    LoginForm,
    NewPasswordForm,
    PasswordChangeForm,
    ProfileForm,
    RegistrationForm,
)
from diary.i18n import gettext, lazy_gettext
from diary.throttle import Throttled
from diary.web.errors import REGISTRATIONS, too_many_attempts, too_many_logins

bp = Blueprint("auth", __name__)

LOGIN_FAILED = lazy_gettext("The email or password is not right.")
# The reset token waits in the (signed, HttpOnly) session cookie, not in the page's URL.
RESET_TOKEN_KEY = "reset_token"  # noqa: S105 (a session key, not a secret)
# Real tokens are about 100 characters; anything far longer is not ours and would bloat the cookie.
MAX_TOKEN_LENGTH = 512
PROFILE_FIELDS = ("display_name", "family_name", "timezone", "affected_side", "symptoms_since_year",
                  "birth_date")


def safe_next(target: str | None) -> str:
    """The `next` parameter when it stays on this site, else the home page (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//"):
        # Browsers read "\" as "/" and drop tabs and newlines: "/\evil" and "/\t/evil" leave.
        if "\\" not in target and not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
            parts = urlsplit(target)
            if not parts.scheme and not parts.netloc:
                return target
    return url_for("journal.home")




@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr)
        except Throttled as error:
            return too_many_logins(error)
        if user is not None:
            sessions.begin(user)
            if sessions.needs_second_factor(user):
                # The code comes next; where the person was going waits in the session.
                session[sessions.NEXT_KEY] = request.args.get("next")
                return redirect(url_for("auth.second_factor"))
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append(str(LOGIN_FAILED))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST only, with CSRF)."""
    sessions.end()
    session.pop(RESET_TOKEN_KEY, None)
    flash(gettext("You are logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Step one: the address only; the same answer whether it is new, taken or deactivated."""
    if current_user.is_authenticated:
        return redirect(url_for("journal.home"))
    form = EmailForm()
    if form.validate_on_submit():
        try:
            services.start_registration(form.email.data, request.remote_addr)
        except Throttled as error:
            return too_many_attempts(error, REGISTRATIONS)
        # New or taken, the address was mailed: this page must not say which.
        return render_template("auth/check_email.html", email=form.email.data)
    return render_template("auth/register.html", form=form)


@bp.route("/register/finish/<token>", methods=["GET", "POST"])
def finish_registration(token: str):
    """Step two, from the emailed link: the password and details; the account is made here."""
    if current_user.is_authenticated:
        return redirect(url_for("journal.home"))
    email = services.registration_email(token) if len(token) <= MAX_TOKEN_LENGTH else None
    if email is None:
        valid_for = emails.duration_words(current_app.config["REGISTRATION_LINK_MAX_AGE"])
        return render_template("auth/registration_link_unusable.html", valid_for=valid_for)
    if services.find_user_by_email(email) is not None:
        return render_template("auth/already_registered.html", email=email)
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = services.finish_registration(
                email,
                password=form.password.data,
                display_name=form.display_name.data,
                family_name=form.family_name.data,
                timezone=form.timezone.data,
                affected_side=form.affected_side.data,
                symptoms_since_year=form.symptoms_since_year.data,
            )
        except services.AccountError:
            # The link was used in another tab a moment ago: that one made the account.
            return render_template("auth/already_registered.html", email=email)
        sessions.begin(user)
        flash(gettext("Welcome! Your account is ready."), "success")
        return redirect(url_for("journal.home"))
    return render_template("auth/finish_registration.html", form=form, email=email)


@bp.route("/verify/<token>")
def verify_email(token: str):
    """Confirm the address from the emailed link, then leave the token's URL at once."""
    user = services.confirm_email(token) if len(token) <= MAX_TOKEN_LENGTH else None
    signed_in = current_user.is_authenticated
    if user is None:
        flash(gettext("This confirmation link has expired or is not valid. You can ask for a new one."), "error")
        return redirect(url_for("auth.account" if signed_in else "auth.resend_verification"))
    flash(gettext("Thank you: your email address is confirmed."), "success")
    return redirect(url_for("auth.account" if signed_in else "auth.login"))


@bp.route("/resend-verification", methods=["GET", "POST"])
def resend_verification():
    """Ask for a new confirmation link without logging in; the answer never says who exists."""
    form = EmailForm()
    if form.validate_on_submit():
        services.send_verification_to(form.email.data)
        flash(gettext("If %(email)s belongs to an account that is not confirmed yet, "
                      "we have sent a new confirmation link to it.", email=form.email.data), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/resend_verification.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; mailed only to confirmed addresses, the same answer for all."""
    form = EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(gettext("If %(email)s belongs to an account with a confirmed address, we have "
                      "sent it a link to choose a new password. The link works for one hour.",
                      email=form.email.data), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset/<token>")
def reset_link(token: str):
    """Keep the emailed token in the session and move to a URL without it (history, referrers)."""
    if len(token) <= MAX_TOKEN_LENGTH:
        session[RESET_TOKEN_KEY] = token
    else:
        session.pop(RESET_TOKEN_KEY, None)
    return redirect(url_for("auth.new_password"))


def _reset_link_unusable():
    """Forget the token and offer a new link."""
    session.pop(RESET_TOKEN_KEY, None)
    flash(gettext("This reset link has expired or has been used already. You can ask for a new one."), "error")
    return redirect(url_for("auth.forgot_password"))


@bp.route("/password/new", methods=["GET", "POST"])
def new_password():
    """Choose a new password with the token kept in the session; it works once."""
    token = session.get(RESET_TOKEN_KEY)
    user = services.user_for_reset(token)
    if user is None:
        return _reset_link_unusable()
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = services.reset_password(token, form.password.data)
        if user is None:
            return _reset_link_unusable()
        session.pop(RESET_TOKEN_KEY, None)
        sessions.begin(user)
        flash(gettext("Your new password is saved and you are logged in. Other devices were logged out."), "success")
        return redirect(url_for("journal.home"))
    return render_template("auth/new_password.html", form=form, email=user.email)


def _render_account(profile_form: ProfileForm | None = None,
                    password_form: PasswordChangeForm | None = None):
    """The account page with fresh forms except the one being corrected."""
    user = current_user._get_current_object()
    if profile_form is None:
        profile_form = ProfileForm(formdata=None, obj=user, patient=user.is_patient)
    if password_form is None:
        password_form = PasswordChangeForm(formdata=None)
    return render_template(
        "auth/account.html", user=user, profile_form=profile_form, password_form=password_form,
        device_count=session_store.live_count(user.id),
    )


@bp.route("/account")
@login_required
def account():
    """The account page: address status, personal details, password."""
    return _render_account()


@bp.route("/account/profile", methods=["POST"])
@login_required
def update_profile():
    """Save the personal details, all or nothing."""
    form = ProfileForm(patient=current_user.is_patient)
    if form.validate_on_submit():
        details = {name: form[name].data for name in PROFILE_FIELDS if name in form}
        services.update_profile(current_user._get_current_object(), **details)
        flash(gettext("Your details are saved."), "success")
        return redirect(url_for("auth.account"))
    return _render_account(profile_form=form)


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    """Change the password; this session continues, every other one ends."""
    user = current_user._get_current_object()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            changed = services.change_password(
                user, form.current_password.data, form.password.data, request.remote_addr
            )
        except Throttled as error:
            return too_many_logins(error)
        if changed:
            # Every session of the account ended with the change: this device gets a new one.
            sessions.begin(user)
            flash(gettext("Your password is changed. Any other device you used is now logged out."), "success")
            return redirect(url_for("auth.account"))
        form.current_password.errors.append(gettext("Your current password is not right."))
    return _render_account(password_form=form)


@bp.route("/account/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """Log out every device of the account, this one too (a lost phone, a shared computer)."""
    sessions.end_everywhere(current_user._get_current_object())
    session.pop(RESET_TOKEN_KEY, None)
    flash(gettext("You are logged out on every device, this one too."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/resend-verification", methods=["POST"])
@login_required
def account_resend_verification():
    """Mail a new confirmation link to the logged-in account."""
    user = current_user._get_current_object()
    if user.email_verified:
        flash(gettext("Your email address is already confirmed."), "info")
    elif services.send_verification_again(user):
        flash(gettext("We have sent a new confirmation link to %(email)s.", email=user.email), "success")
    else:
        flash(gettext("We could not send the email just now. Please try again in a few minutes."), "error")
    return redirect(url_for("auth.account"))
