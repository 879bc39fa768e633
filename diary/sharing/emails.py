"""The sharing email: a clinic's invitation to share the diary, rendered and sent.

Subjects never name the condition: they show on lock screens and in shared inboxes.
"""

from __future__ import annotations

import logging
import smtplib

from flask import render_template, url_for

from diary.mail import send_email
from diary.models import User

log = logging.getLogger(__name__)

INVITATION_SUBJECT = "A clinic has invited you to share your diary"


def mail_invitation(patient: User, clinic_name: str) -> bool:
    """Mail the patient that a clinic invites them; the link leads to the sharing page."""
    context = {"user": patient, "clinic_name": clinic_name,
               "link": url_for("sharing.index", _external=True)}
    text = render_template("sharing/invitation_email.txt", **context)
    html = render_template("sharing/invitation_email.html", **context)
    try:
        send_email(patient.email, INVITATION_SUBJECT, text, html)
    except (smtplib.SMTPException, OSError) as error:
        # The patient still finds the invitation on the sharing page at the next login.
        log.warning("could not send mail: subject=%r error=%s", INVITATION_SUBJECT,
                    type(error).__name__)
        return False
    return True
