"""The sharing email: a clinic's invitation to share the diary, rendered and sent.

Subjects never name the condition: they show on lock screens and in shared inboxes.
"""

from __future__ import annotations

import logging
import smtplib
from contextlib import nullcontext

from flask import render_template, url_for

from diary.i18n import lazy_gettext, speaking_to
from diary.mail import send_email
from diary.models import User

log = logging.getLogger(__name__)

INVITATION_SUBJECT = lazy_gettext("A clinic has invited you to share your diary")


def mail_invitation(patient: User, clinic_name: str) -> bool:
    """Mail the patient that a clinic invites them; the link leads to the sharing page.

    In the patient's language when they chose one, not the inviting clinician's
    (docs/wording.md, Languages).
    """
    with speaking_to(patient) if patient.locale else nullcontext():
        return _send_invitation(patient, clinic_name)


def _send_invitation(patient: User, clinic_name: str) -> bool:
    """Render both parts and send; False (logged without detail) when it failed."""
    context = {"user": patient, "clinic_name": clinic_name,
               "link": url_for("sharing.index", _external=True)}
    text = render_template("sharing/invitation_email.txt", **context)
    html = render_template("sharing/invitation_email.html", **context)
    try:
        send_email(patient.email, str(INVITATION_SUBJECT), text, html)
    except (smtplib.SMTPException, OSError) as error:
        # The patient still finds the invitation on the sharing page at the next login.
        log.warning("could not send mail: subject=%r error=%s", str(INVITATION_SUBJECT),
                    type(error).__name__)
        return False
    return True
