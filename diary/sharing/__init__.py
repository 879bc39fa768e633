"""Sharing: the patient's consent for a clinic to read the diary, and its withdrawal.

A patient gives a clinic access with a one-time share code or by accepting the clinic's
invitation; either makes a CareLink, which the patient can end at any time, and every
member's access ends with it (diary/policy.py reads the link on each request). The patient
reads every audited access on the access log. The rules are in docs/sharing.md.
"""
