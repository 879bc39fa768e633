"""The base of every form, and the rule for the names people type.

Text fields read text, never an uploaded file.

Flask-WTF hands a form the uploaded files together with the text fields when a request is
multipart. No form of this app takes a file, so a file sent where text is expected (`note=@file`)
would reach a text field's filters as a file object and fail there. Here only the text parts
are read: a field sent as a file is simply missing, and the form says so like any missing field.

Names (of people, clinics, products, drugs, surgeons) show only what they hold: control and
format characters are refused (docs/security.md, Names and CSV).
"""

from __future__ import annotations

import unicodedata

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import ImmutableMultiDict
from wtforms.validators import ValidationError


class TextForm(FlaskForm):
    """A FlaskForm that reads the request's text fields only."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            """Flask-WTF's own choice (Flask-WTF 1.3, pinned), without `request.files`."""
            if formdata is not _Auto:
                return formdata
            if _is_submitted():
                if request.form:
                    return request.form
                if request.is_json:
                    return ImmutableMultiDict(request.get_json())
            return None


# The format characters (Unicode category Cf) that a name may need: the zero-width non-joiner
# and joiner shape Persian, Indic and other scripts (and emoji sequences).
JOINERS = frozenset({"\u200c", "\u200d"})


def has_invisible_characters(text: str) -> bool:
    """Whether text holds a character no name shows: a control character (Cc; NUL breaks
    PostgreSQL) or a format character (Cf) other than the joiners, such as the bidirectional
    overrides that make "Anna\u202egnirT" display as another name in a clinic's list."""
    return any(
        unicodedata.category(ch) == "Cc"
        or (unicodedata.category(ch) == "Cf" and ch not in JOINERS)
        for ch in text
    )


class VisibleCharactersOnly:
    """Refuse control and format characters (bidirectional overrides...), which no name shows."""

    def __call__(self, form, field) -> None:
        """Raise when the text holds one."""
        if isinstance(field.data, str) and has_invisible_characters(field.data):
            raise ValidationError("Please use letters, digits and punctuation only.")
