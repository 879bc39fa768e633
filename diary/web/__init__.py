"""The web layer every blueprint shares: the id converter of the URLs, the base of every form,
the error pages (docs/architecture.md)."""
