"""The report as a PDF, rendered by WeasyPrint (docs/report.md, The PDF).

This module imports WeasyPrint at its top, so nothing imports it but diary/clinic/pdf.py,
and that only when a PDF is asked for: without Debian's Pango libraries the rest of the app
runs and the PDF answers 503. WeasyPrint fetches the stylesheets the page links to through
StaticFilesFetcher, which serves the app's own static files and refuses every other URL,
so rendering a page never reaches the network or a file outside static/.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint


class RefusedURL(ValueError):
    """A URL the report may not load: not one of the app's static files."""


class StaticFilesFetcher(weasyprint.URLFetcher):
    """A WeasyPrint URL fetcher that answers only URLs under the app's static URL.

    `base` is the static files' absolute URL ("http://host/static/"), `folder` the folder
    they are served from. Anything else (another host, file://, data:, a path that climbs
    out of the folder, a file that is not there) raises RefusedURL, which WeasyPrint logs and
    renders the page without.
    """

    def __init__(self, base: str, folder: str | Path) -> None:
        super().__init__(allowed_protocols=("http", "https"), allow_redirects=False, timeout=1)
        self.base = base if base.endswith("/") else base + "/"
        self.folder = Path(folder).resolve()

    def fetch(self, url, headers=None):
        """The static file the URL names, or RefusedURL."""
        path = self.static_path(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return weasyprint.urls.URLFetcherResponse(
            url, path.read_bytes(), headers={"Content-Type": content_type}
        )

    def static_path(self, url: str) -> Path:
        """The file under the static folder that `url` names; RefusedURL for anything else."""
        parts = urlsplit(url)
        if parts.query or parts.fragment or not url.startswith(self.base):
            raise RefusedURL(f"not one of the app's static files: {url[:200]}")
        relative = unquote(parts.path[len(urlsplit(self.base).path):])
        path = (self.folder / relative).resolve()
        if not path.is_relative_to(self.folder) or not path.is_file():
            raise RefusedURL(f"not one of the app's static files: {url[:200]}")
        return path


def render_pdf(html: str, *, base_url: str, static_base: str, static_folder: str | Path) -> bytes:
    """The PDF of one HTML page whose links resolve against `base_url`."""
    fetcher = StaticFilesFetcher(static_base, static_folder)
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()
