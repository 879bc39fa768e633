"""What a FHIR Bundle of ours must satisfy, beyond what fhir.resources checks (docs/pitfalls.md, FHIR):
it parses with the R4B models, every reference resolves inside the Bundle, and every code
comes from a system listed in diary/records/codes.py (which docs/fhir.md documents)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from diary.records import codes

UUID_URL = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def walk(value: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    """Every JSON object inside a value, with where it is."""
    if isinstance(value, dict):
        yield path, value
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from walk(item, f"{path}[{n}]")


def references(bundle: dict) -> list[tuple[str, str]]:
    """(path, reference) of every Reference in the Bundle."""
    return [(p, o["reference"]) for p, o in walk(bundle) if isinstance(o.get("reference"), str)]


def codings(bundle: dict) -> list[tuple[str, str, str]]:
    """(path, system, code) of every Coding and coded Quantity in the Bundle."""
    return [(p, o["system"], o["code"]) for p, o in walk(bundle) if "system" in o and "code" in o]


def assert_valid_bundle(bundle: dict) -> Bundle:
    """Parse the Bundle's JSON back with the library, then check what the library does not."""
    text = json.dumps(bundle)
    parsed = Bundle.model_validate_json(text)
    assert parsed.type == "collection"
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(urls) == len(set(urls)), "two entries share a fullUrl"
    for entry in bundle["entry"]:
        assert UUID_URL.fullmatch(entry["fullUrl"]), entry["fullUrl"]
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    unresolved = [(p, r) for p, r in references(bundle) if r not in set(urls)]
    assert not unresolved, f"references that leave the Bundle: {unresolved[:5]}"
    undocumented = [(p, s, c) for p, s, c in codings(bundle)
                    if s not in codes.SYSTEMS or c not in codes.SYSTEMS[s]]
    assert not undocumented, f"codes from no documented system: {undocumented[:5]}"
    return parsed


def resources(bundle: dict, kind: str) -> list[dict]:
    """The resources of one type, in Bundle order."""
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def component(observation: dict, code: str) -> dict | None:
    """The component of an Observation with a code of the app's diary system."""
    for item in observation.get("component", []):
        if item["code"]["coding"][0]["code"] == code:
            return item
    return None
