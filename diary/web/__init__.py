"""What every blueprint shares (docs/architecture.md): the id converter of the URLs
(converters), the base of every form (forms), who may open a page (guards), a form's status
and the ?page= number (pages), a chart's period and grouping (ranges), and the error pages
(errors)."""
