"""The remission trajectory in the app: SQL series, the per-patient summary, the pages.

The blueprint lives in routes.py and is imported only by create_app, so that write services
can use the summary without pulling in every page's imports.
"""
