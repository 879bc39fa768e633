"""The full download: every CSV table with its codebook, the FHIR Bundle and the audit trail.

Members are produced lazily, so the ZIP is streamed while the rows are read (the FHIR Bundle
alone is built whole, as it must be validated before it is sent).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime

import sqlalchemy as sa

from diary import PROJECT_ROOT, audit
from diary.extensions import db
from diary.models import AuditEvent
from diary.records import csv_tables
from diary.records.fhir import patient_bundle
from diary.records.zipstream import Member, stream_zip

AUDIT_COLUMNS = ("at", "action", "action_label", "clinic_id", "actor_role", "address")
CODEBOOK = PROJECT_ROOT / "docs" / "csv-codebook.md"
FOLDER = "spasm-diary"
README = """Spasm Diary: everything the app holds about you, as of {moment}.

csv/             your diary, one CSV table per file (see csv-codebook.md)
csv-codebook.md  what every column of the CSV tables means
fhir.json        the same record as a FHIR R4B Bundle, for a clinic's systems
audit.csv        the audit trail of your record: who opened or changed it, when, from where
                 (at: UTC time; action: what was done; clinic_id: the clinic whose member
                 acted; actor_role: patient, clinician or admin; address: the network address)
"""


def audit_rows(patient_id: int) -> Iterator[tuple]:
    """The patient's audit trail, oldest first: this patient's rows only."""
    statement = (
        sa.select(AuditEvent.at, AuditEvent.action, AuditEvent.clinic_id, AuditEvent.actor_role,
                  AuditEvent.address)
        .where(AuditEvent.patient_id == patient_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    for at, action, clinic_id, role, address in db.session.execute(
        statement.execution_options(yield_per=csv_tables.STREAM_BATCH)
    ):
        yield at, action, audit.ACTION_LABELS.get(action, action), clinic_id, role, address


def audit_lines(patient_id: int) -> Iterator[str]:
    """The audit trail as CSV text: the byte-order mark and the header first."""
    buffer = io.StringIO()
    buffer.write(csv_tables.BYTE_ORDER_MARK)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(AUDIT_COLUMNS)
    for row in audit_rows(patient_id):
        writer.writerow([csv_tables.cell(v) for v in row])
        if buffer.tell() > 16_384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate(0)
    yield buffer.getvalue()


def _encoded(lines: Iterable[str]) -> Iterator[bytes]:
    for line in lines:
        yield line.encode("utf-8")


def _fhir(patient_id: int) -> Iterator[bytes]:
    yield json.dumps(patient_bundle(patient_id), ensure_ascii=False, indent=1).encode("utf-8")


def members(patient_id: int, moment: datetime) -> Iterator[Member]:
    """The archive's files in order, each produced only when the ZIP reaches it."""
    yield f"{FOLDER}/README.txt", [README.format(moment=moment.isoformat()).encode()]
    for table in csv_tables.TABLES.values():
        yield f"{FOLDER}/csv/{table.name}.csv", _encoded(csv_tables.csv_lines(table, patient_id))
    yield f"{FOLDER}/csv-codebook.md", [CODEBOOK.read_bytes()]
    yield f"{FOLDER}/fhir.json", _fhir(patient_id)
    yield f"{FOLDER}/audit.csv", _encoded(audit_lines(patient_id))


def full_download(patient_id: int, moment: datetime) -> Iterator[bytes]:
    """The ZIP of everything, streamed."""
    return stream_zip(members(patient_id, moment), moment)
