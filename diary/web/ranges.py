"""The period and grouping of a trajectory chart page, read from its URL.

The pages (the patient's trajectory, the clinic's review) never refuse a link: an unknown
period shows the whole diary, an unknown grouping the period's own. The JSON API is stricter
and answers 400 (diary/api/routes.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from diary.progress.queries import BUCKETS
from diary.progress.trajectory import DEFAULT_BUCKET, RANGES

DEFAULT_RANGE = "all"


def chart_request(args: Mapping[str, str]) -> tuple[str, str]:
    """The (range key, bucket) that ?range= and ?bucket= ask for: a range of RANGES ("all"
    when absent or unknown) and a bucket of BUCKETS (the range's DEFAULT_BUCKET when absent
    or unknown)."""
    range_key = args.get("range", DEFAULT_RANGE)
    if range_key not in RANGES:
        range_key = DEFAULT_RANGE
    bucket = args.get("bucket", DEFAULT_BUCKET[range_key])
    if bucket not in BUCKETS:
        bucket = DEFAULT_BUCKET[range_key]
    return range_key, bucket
