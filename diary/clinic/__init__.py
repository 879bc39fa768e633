"""The clinic's side: the patient list, the follow-up review, assessments and the schedule."""
