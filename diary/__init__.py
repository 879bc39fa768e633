"""Spasm Diary: a remission diary for hemifacial spasm, for patients and their surgeons.

The application factory is `diary.app.create_app`. Importing this package (or any of its
feature packages) runs nothing and imports nothing but the standard library, so a pure
module such as `diary.trajectory` loads without Flask (docs/architecture.md).
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
