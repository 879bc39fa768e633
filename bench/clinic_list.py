"""The clinician's patient list of the 500-patient reference clinic (docs/quality-bars.md, The bars: under 150 ms).

Its own module so that the other clinic figures can be added beside it without touching
the trajectory's entries; bench/run.py measures ENDPOINTS from here with its own.
"""

from __future__ import annotations

from bench.dataset import Account
from bench.measure import Call, Endpoint


def patient_list(account: Account, run: int) -> Call:
    """A page of the list sorted by the change since surgery: the sort reads every patient."""
    return Call("GET", "/clinic/patients?sort=change&dir=desc")


def default_page(account: Account, run: int) -> Call:
    """The page a clinician lands on: who needs attention or has a visit due first, 50 rows
    (docs/clinic.md, The patient list); its HTML is judged under 60 kB."""
    return Call("GET", "/clinic/patients")


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("clinic_list", "Clinician patient list, sorted by change", "clinician",
             patient_list, max_ms=150),
    Endpoint("clinic_list_default", "Clinician patient list, default page", "clinician",
             default_page, max_ms=150, max_kb=60, body="HTML"),
)
