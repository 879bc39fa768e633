"""The remission trajectory in the app: SQL series, the per-patient summary, the pages."""
