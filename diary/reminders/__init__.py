"""Reminders: settings, the in-app inbox, and their delivery by a scheduler of its own.

The pages (routes.py, forms.py) and what they call (services.py) live here; planning/ decides
when each reminder falls due, delivery/ takes due reminders off the plan and sends them
through each channel (email, the inbox). The scheduler process (`flask --app wsgi
scheduler`) is delivery/scheduler.py and is never started by the web app. See
docs/reminders.md.
"""
