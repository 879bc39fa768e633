"""The JSON API under /api/v1: errors as {"error": {"code", "message", "fields"}}."""
