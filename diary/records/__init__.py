"""The patient's record leaving the app, or leaving it for good: FHIR, the full download,
account deletion and database backups (issue 7, "The patient's data is theirs")."""
