"""The patient's diary: today, check-ins, quick spasm log, history."""
