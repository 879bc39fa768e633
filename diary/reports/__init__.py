"""The clinic's report and cohort pages (URLs under /clinic)."""
