"""The patient's record leaving the app, or leaving it for good: CSV tables, FHIR, the full
download, account deletion and database backups (docs/decisions.md, The patient's data is theirs; docs/data.md)."""
