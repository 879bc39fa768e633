"""Reminders: settings, the in-app inbox, and their delivery by a scheduler of its own.

The pages live here; the scheduler process (`flask --app wsgi scheduler`) is scheduler.py and
is never started by the web app. See docs/reminders.md.
"""
