"""The patient's record leaving the app, or leaving it for good: CSV tables, FHIR, the full
download, account deletion and database backups (issue 7, "The patient's data is theirs")."""
