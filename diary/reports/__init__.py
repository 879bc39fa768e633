"""The clinician's one-page report of a patient and the clinic's cohort view (issue 5)."""

from diary.reports.routes import bp

__all__ = ["bp"]
