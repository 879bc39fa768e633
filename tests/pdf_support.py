"""The server's PDFs in tests: whether they can be rendered here, and what a PDF holds.

Under CI (CI=true) a server that cannot render PDFs fails the test, never skips it:
`.ci/run` installs WeasyPrint's libraries (docs/report.md, The PDF). Elsewhere the test
skips with the reason, as a developer's machine may lack Pango.
"""

from __future__ import annotations

import io
import os
import re

import pypdf
import pytest

from diary.clinic import pdf


def require_pdf_renderer() -> None:
    """WeasyPrint and its libraries, or a failure under CI and a skip elsewhere."""
    try:
        pdf.load_renderer()
    except pdf.PdfUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{error} CI installs them (.ci/run).", pytrace=False)
        pytest.skip(str(error))


def pdf_pages(data: bytes) -> list[pypdf.PageObject]:
    """The pages of a PDF, read by pypdf."""
    assert data.startswith(b"%PDF-")
    return list(pypdf.PdfReader(io.BytesIO(data)).pages)


def pdf_text(data: bytes) -> tuple[int, str]:
    """The number of pages of a PDF and its text, white space folded."""
    pages = pdf_pages(data)
    return len(pages), re.sub(r"\s+", " ", " ".join((page.extract_text() or "") for page in pages)).strip()
