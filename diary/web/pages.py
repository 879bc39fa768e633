"""What pages share: a form shown again (its status, the refusals next to their fields), and
the ?page= number of a list."""

from __future__ import annotations

from flask import render_template, request
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField

# A form sent and shown again with its errors: nothing was saved (the route matrix's REFUSED).
INVALID = 422
# The highest ?page= a list serves; a larger number shows that page (empty), not an error.
MAX_PAGE = 100_000


def form_status(form: FlaskForm) -> int:
    """The status of a form page that did not redirect: INVALID when the form was sent (it is
    shown again with its errors or refusals), 200 when it is shown to be filled in."""
    return INVALID if form.is_submitted() else 200


def render_form(template: str, form: FlaskForm, *, status: int | None = None, **context):
    """Render a page with its form (as `form`) and answer `status`, by default form_status."""
    return render_template(template, form=form, **context), (
        form_status(form) if status is None else status
    )


def show_refusals(form: FlaskForm, errors: dict[str, str]) -> None:
    """Put a service's refusals (field name: message) next to their fields, nested ones too
    (`sites-0-units`); a name the form has no field for goes at the top of the form."""

    def walk(fields):
        for field in fields:
            yield field.name, field
            if isinstance(field, FieldList | FormField):
                yield from walk(field)

    by_name = dict(walk(form))
    for name, message in errors.items():
        field = by_name.get(name)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]


def page_arg() -> int:
    """The ?page= number of a list, 1 when absent or unreadable, kept within 1..MAX_PAGE."""
    page = request.args.get("page", 1, type=int)
    return min(max(page, 1), MAX_PAGE)
