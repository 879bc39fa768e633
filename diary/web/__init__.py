"""What every blueprint shares: the id converter of the URLs and the base of every form."""

from flask import Flask

from diary.web import converters


def init_app(app: Flask) -> None:
    """What the blueprints need from the app before their routes are added."""
    converters.init_app(app)
