"""The one converter for ids in URLs.

Every id in a URL is a row id of an INTEGER column: 1 to 2,147,483,647 on PostgreSQL (and the
range SQLite is given here). A larger number, zero or a sign matches no route and answers 404,
as any URL that names nothing does, instead of reaching the database with a number it cannot
hold (PostgreSQL refuses it with an error).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<id:name>`: a row id, 1 to MAX_ID."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def init_app(app: Flask) -> None:
    """Register `<id:...>` before any blueprint's routes are added."""
    app.url_map.converters["id"] = IdConverter
