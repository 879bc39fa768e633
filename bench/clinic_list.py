"""The clinician's patient list of the 500-patient reference clinic (docs/quality-bars.md, The bars: under 150 ms).

Its own module so that the other clinic figures can be added beside it without touching
the trajectory's entries; bench/run.py measures ENDPOINTS from here with its own.
"""

from __future__ import annotations

from bench.dataset import Account
from bench.measure import Call, Endpoint


def patient_list(account: Account, run: int) -> Call:
    """The whole list, every status column, sorted by the change since surgery."""
    return Call("GET", "/clinic/patients?sort=change&dir=desc")


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("clinic_list", "Clinician patient list, all patients", "clinician", patient_list,
             max_ms=150),
)
