"""The administrator's pages under /admin: clinics, members, staff accounts, the audit trail.

An administrator manages accounts and reads audit metadata, never a patient's diary
(docs/decisions.md, Administrators never read a diary): nothing here reads a diary table, and policy.py gives administrators an empty
scope everywhere else. Every other account gets 404 here, as for any page not theirs.
"""
