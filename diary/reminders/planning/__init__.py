"""Planning: when each reminder falls due, kept as one pending delivery row per reminder.

schedule.py is pure (plain values in, plain values out); plans.py plans and replans the rows,
visits.py computes the follow-up visits a reminder announces, and hooks.py replans when what
a reminder depends on changes. Planning knows nothing of how a reminder is delivered.
"""
