"""The SMC grade has one name everywhere: Samsung Medical Center (Lee's) grading.

It was once "Samii-Matsushima" in the FHIR codes and their documentation but "Samsung Medical
Center" on the assessment form and in the clinical notes (docs/clinical.md, SMC grade).
"""

from __future__ import annotations

from diary import PROJECT_ROOT
from diary.records import codes

NAME = "Samsung Medical Center"
SHIPPED = ("diary", "templates", "docs", "migrations", "static/js")


def shipped_text() -> dict[str, str]:
    """Every text file the app ships or documents itself with."""
    files = {}
    for folder in SHIPPED:
        for path in (PROJECT_ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".html", ".md", ".txt", ".js", ".json"} and "vendor" not in path.parts:
                files[str(path.relative_to(PROJECT_ROOT))] = path.read_text(encoding="utf-8")
    return files


def test_no_file_names_the_grade_otherwise():
    assert not [name for name, text in shipped_text().items() if "Samii" in text]


def test_the_form_the_fhir_code_and_the_docs_name_it_alike():
    form_help = (PROJECT_ROOT / "templates/clinic/assessment_form.html").read_text(encoding="utf-8")
    assert f"{NAME} grade" in form_help
    assert codes.DIARY_CODES["smc-grade"].startswith(f"{NAME} (SMC, Lee's) grade")
    for doc in ("docs/fhir.md", "docs/clinical.md"):
        assert NAME in (PROJECT_ROOT / doc).read_text(encoding="utf-8")
