"""Keep sign-in tokens out of logs: access logs print request paths, and our links carry tokens."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

# /verify/<token>, /reset/<token> and /register/finish/<token>: the token is everything up to
# the next /, ?, # or space.
TOKEN_IN_PATH = re.compile(r"(/(?:verify|reset|register/finish)/)[^/?#\s\"']+")
REDACTED = "[redacted]"

# The dev server's and gunicorn's request logs, and our own loggers that print paths.
REDACTED_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "diary", "diary.web.errors")


def redact(text: str) -> str:
    """The text with every path token replaced."""
    return TOKEN_IN_PATH.sub(rf"\g<1>{REDACTED}", text)


def _redact_value(value: Any) -> Any:
    """Strings redacted, anything else as it was."""
    return redact(value) if isinstance(value, str) else value


class RedactTokens(logging.Filter):
    """Rewrite a record's message and arguments so no path token reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place and let the record through."""
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, Mapping):
            # gunicorn's access log formats with a mapping of atoms (request line, path, ...).
            record.args = {key: _redact_value(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact_value(value) for value in record.args)
        return True


def install(names: tuple[str, ...] = REDACTED_LOGGERS) -> None:
    """Attach the filter once to each named logger (filters do not propagate, so each needs it)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
