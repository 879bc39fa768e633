"""What every blueprint shares: the id converter of the URLs (converters), the base of every
form (forms), who may open a page (guards), a form's status and the ?page= number (pages),
a chart's period and grouping (ranges), and the error pages (errors)."""

from flask import Flask

from diary.web import converters


def init_app(app: Flask) -> None:
    """What the blueprints need from the app before their routes are added."""
    converters.init_app(app)
