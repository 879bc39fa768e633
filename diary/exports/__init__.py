"""The patient's data leaving the app: CSV tables (and, later, FHIR and the full download)."""
