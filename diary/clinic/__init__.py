"""The clinic's side, every URL under /clinic: the patient list, the follow-up review,
assessments, the schedule, the members, the one-page report, the cohort, and adding or
inviting a patient (whose consent logic is sharing's)."""
