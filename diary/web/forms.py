"""The base of every form, and the rule for the names people type.

Text fields read text, never an uploaded file.

Flask-WTF hands a form the uploaded files together with the text fields when a request is
multipart. No form of this app takes a file, so a file sent where text is expected (`note=@file`)
would reach a text field's filters as a file object and fail there. Here only the text parts
are read: a field sent as a file is simply missing, and the form says so like any missing field.

Names (of people, clinics, products, drugs, surgeons) show only what they hold: the rule is
diary/names.py, and VisibleCharactersOnly is its form validator.
"""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import ImmutableMultiDict
from wtforms.validators import ValidationError

from diary.i18n import gettext
from diary.names import has_invisible_characters


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


class VisibleCharactersOnly:
    """Refuse control and format characters (bidirectional overrides...), which no name shows."""

    def __call__(self, form, field) -> None:
        """Raise when the text holds one."""
        if isinstance(field.data, str) and has_invisible_characters(field.data):
            raise ValidationError(gettext("Please use letters, digits and punctuation only."))
