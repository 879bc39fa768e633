"""Whether the server can render PDFs, asked when a PDF is wanted (docs/report.md, The PDF).

WeasyPrint needs Debian's Pango, HarfBuzz and fontconfig libraries (the README, PDF
reports), and loading it without them raises OSError. It is therefore loaded here, by name,
on the first PDF request and never when the app starts: a machine without the libraries
still serves every page, and the PDF link answers 503 with PdfUnavailable's message. The
tests make the import fail by setting `sys.modules["weasyprint"] = None`, as a machine
without the package would.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from diary.i18n import gettext

# The Debian packages WeasyPrint loads (as the README and .ci/run name them).
LIBRARIES = "libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz-subset0"
RENDERER = "diary.clinic.pdf_render"


class PdfUnavailable(Exception):
    """The server cannot render PDFs: WeasyPrint or a library it needs is missing."""


def load_renderer() -> ModuleType:
    """diary.clinic.pdf_render with WeasyPrint loaded, or PdfUnavailable saying why not.

    WeasyPrint is imported first, on every call: the renderer module may already be loaded,
    and Python's import of it would then not notice that WeasyPrint has gone.
    """
    try:
        importlib.import_module("weasyprint")
        return importlib.import_module(RENDERER)
    except (ImportError, OSError) as error:
        raise PdfUnavailable(
            gettext("This server cannot make PDFs: WeasyPrint or the system libraries it needs "
                    "(%(libraries)s) are not installed. Use the report's Print button instead.",
                    libraries=LIBRARIES)
        ) from error
