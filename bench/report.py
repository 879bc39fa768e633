"""The benchmark's printed report: build, dataset, and a table of target, measured, pass/fail."""

from __future__ import annotations

from dataclasses import dataclass

from bench.dataset import Dataset
from bench.measure import SAME_QUERY_COUNT, TRAJECTORY_SCALING, Result

BUILD_LIMIT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Verdict:
    """One bar of docs/quality-bars.md (The bars) and how the run did against it."""

    label: str
    target: str
    measured: str
    passed: bool


def verdicts(dataset: Dataset, results: dict[str, Result]) -> list[Verdict]:
    """Every bar this run can judge."""
    found = [
        Verdict(
            f"Build the reference clinic ({dataset.patients} patients)",
            f"< {BUILD_LIMIT_SECONDS:.0f} s",
            f"{dataset.build_seconds:.1f} s",
            dataset.build_seconds < BUILD_LIMIT_SECONDS,
        )
    ]
    for result in results.values():
        endpoint = result.endpoint
        if endpoint.max_ms is not None:
            found.append(Verdict(f"{endpoint.label}: server time", f"< {endpoint.max_ms:g} ms",
                                 f"{result.server_ms:.1f} ms", result.server_ms < endpoint.max_ms))
        if endpoint.max_kb is not None:
            kb = result.body_bytes / 1000
            found.append(Verdict(f"{endpoint.label}: {endpoint.body} size", f"< {endpoint.max_kb:g} kB",
                                 f"{kb:.1f} kB", kb < endpoint.max_kb))
    slow, fast, factor = TRAJECTORY_SCALING
    if slow in results and fast in results:
        ratio = results[slow].server_ms / results[fast].server_ms
        found.append(Verdict("Trajectory: 3 years against 3 months", f"<= {factor:g}x",
                             f"{ratio:.2f}x", ratio <= factor))
    counted = [results[k] for k in SAME_QUERY_COUNT if k in results]
    if counted:
        counts = [r.query_counts for r in counted]
        same = all(len(c) == 1 for c in counts) and len({c[0] for c in counts}) == 1
        found.append(Verdict("Trajectory: queries per request, 3 months / 1 year / 3 years",
                             "the same number", " / ".join(_counts(c) for c in counts), same))
    return found


def _counts(counts: list[int]) -> str:
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


def print_report(setting: list[str], dataset: Dataset, results: dict[str, Result]) -> bool:
    """Print everything; True when every bar is met."""
    print()
    print("Spasm Diary benchmark (docs/quality-bars.md, Speed and scale)")
    for line in setting:
        print(f"  {line}")
    print()
    print(f"Reference clinic: {dataset.patients} patients, 1 year before MVD and 2 years after")
    print(f"  built in {dataset.build_seconds:.1f} s: simulation {dataset.simulate_seconds:.1f} s, "
          f"clinician, bulk insert and summaries {dataset.write_seconds:.1f} s")
    print(f"  then ANALYZE (and SQLite's WAL checkpoint): {dataset.settle_seconds:.1f} s "
          "(not in the build time); probe patients added outside the build time")
    print()
    print("Rows per table (reference clinic and probe patients)")
    for table, count in dataset.row_counts.items():
        print(f"  {table:<22} {count:>9,}")
    print()
    runs = max((r.runs for r in results.values()), default=0)
    print(f"Requests: median of {runs} runs after warm-up, the requests taking turns. "
          "server = wall-clock time inside the server; its CPU = the server thread's CPU time; "
          "round trip = at the client; bare SQL = the request's own statements replayed on a "
          "raw connection; all in ms.")
    header = (f"  {'Request':<38}{'server':>8}{'its CPU':>9}{'round trip':>12}{'bare SQL':>10}"
              f"{'server/SQL':>12}{'queries':>9}{'response':>11}")
    print(header)
    for result in results.values():
        ratio = f"{result.ratio:.1f}x" if result.ratio else "-"
        print(f"  {result.endpoint.label:<38}{result.server_ms:>8.2f}{result.cpu_ms:>9.2f}"
              f"{result.round_trip_ms:>12.2f}{result.bare_sql_ms:>10.2f}{ratio:>12}"
              f"{_counts(result.query_counts):>9}{result.body_bytes / 1000:>8.1f} kB")
    print()
    judged = verdicts(dataset, results)
    width = max(len(v.label) for v in judged) + 2
    print(f"  {'Bar':<{width}}{'target':>16}{'measured':>14}  result")
    for verdict in judged:
        print(f"  {verdict.label:<{width}}{verdict.target:>16}{verdict.measured:>14}  "
              f"{'PASS' if verdict.passed else 'FAIL'}")
    print()
    return all(v.passed for v in judged)
