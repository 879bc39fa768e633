"""The domain errors: what the cores (queries, services, the policy) raise instead of answering.

The cores run without a request (the CLI, the scheduler, tests), so they never call flask's
abort(); they raise one of these, and the web edge answers each in one place
(diary/web/errors.py): NotFound and NotAllowed as 404, Refused as 422, Throttled as 429 with
Retry-After. This module imports no web or database library.
"""

from __future__ import annotations

import math


class DomainError(Exception):
    """The base of every error a core raises for its caller to answer."""


class NotFound(DomainError):
    """The thing asked for does not exist (answered as 404)."""


class NotAllowed(NotFound):
    """The thing exists but is not the viewer's to see or touch.

    A NotFound, and answered as 404 like one, so that its existence is not revealed.
    """


class Refused(DomainError):
    """A change refused as asked; nothing was saved (answered as 422).

    `message` says why for the page; `fields` holds messages by form field, if any.
    """

    def __init__(self, message: str = "", fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, list[str]] = {name: list(texts) for name, texts in (fields or {}).items()}


class Throttled(DomainError):
    """Too many recent attempts: answer 429 and check nothing."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up, for the page."""
        return max(1, math.ceil(self.retry_after / 60))
