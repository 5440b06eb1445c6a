"""The export's own checks of a FHIR bundle: what the R4B models do not check.

Codes against their code systems (:data:`~trialapp.interchange.fhir_codes.KNOWN_CODES`), status codes of
required bindings, references that must resolve inside the bundle, and the dose (UCUM ``ug`` shown as
"mcg", intrathecal route). :func:`trialapp.interchange.fhir.validate_bundle` runs them after the models.

No SQL, no Qt, no files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from trialapp.interchange import fhir_codes as c

__all__ = ["check_bundle"]


# Required bindings the models leave as plain strings (FHIR R4 value sets).
_STATUS: Final[Mapping[tuple[str, str], frozenset[str]]] = {
    ("Observation", "status"): frozenset(
        {
            "registered",
            "preliminary",
            "final",
            "amended",
            "corrected",
            "cancelled",
            "entered-in-error",
            "unknown",
        }
    ),
    ("MedicationAdministration", "status"): frozenset(
        {"in-progress", "not-done", "on-hold", "completed", "entered-in-error", "stopped", "unknown"}
    ),
    ("Encounter", "status"): frozenset(
        {
            "planned",
            "arrived",
            "triaged",
            "in-progress",
            "onleave",
            "finished",
            "cancelled",
            "entered-in-error",
            "unknown",
        }
    ),
    ("EpisodeOfCare", "status"): frozenset(
        {"planned", "waitlist", "active", "onhold", "finished", "cancelled", "entered-in-error"}
    ),
    ("Procedure", "status"): frozenset(
        {
            "preparation",
            "in-progress",
            "not-done",
            "on-hold",
            "stopped",
            "completed",
            "entered-in-error",
            "unknown",
        }
    ),
    ("Goal", "lifecycleStatus"): frozenset(
        {
            "proposed",
            "planned",
            "accepted",
            "active",
            "on-hold",
            "completed",
            "cancelled",
            "entered-in-error",
            "rejected",
        }
    ),
    ("AdverseEvent", "actuality"): frozenset({"actual", "potential"}),
    ("Patient", "gender"): frozenset({"male", "female", "other", "unknown"}),
}
_REFERENCE_TYPES: Final = frozenset({"Practitioner", "RelatedPerson"})
_MICRO_SIGNS: Final = ("µg", "μg")  # micro sign U+00B5 and Greek mu U+03BC
_UUID_URN: Final = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _walk(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


def check_bundle(bundle: Mapping[str, Any]) -> list[str]:
    """The checks the R4B models do not make; returns the problems found (empty = none)."""
    problems: list[str] = []
    if bundle.get("type") != "collection":
        problems.append("Bundle.type: must be 'collection'")
    entries = bundle.get("entry", [])
    full_urls: set[str] = set()
    for i, entry in enumerate(entries):
        url = entry.get("fullUrl", "")
        resource = entry.get("resource", {})
        if not _UUID_URN.fullmatch(url):
            problems.append(f"entry[{i}].fullUrl: {url!r} is not a urn:uuid")
        elif url != f"urn:uuid:{resource.get('id')}":
            problems.append(f"entry[{i}].fullUrl: does not match the resource id")
        if url in full_urls:
            problems.append(f"entry[{i}].fullUrl: {url} appears twice")
        full_urls.add(url)

    for i, entry in enumerate(entries):
        resource = entry.get("resource", {})
        kind = resource.get("resourceType", "?")
        where = f"entry[{i}]({kind})"
        contained = {r.get("id") for r in resource.get("contained", [])}
        for (rtype, element), allowed in _STATUS.items():
            if kind == rtype and element in resource and resource[element] not in allowed:
                problems.append(f"{where}.{element}: {resource[element]!r} is not one of {sorted(allowed)}")
        for path, node in _walk(resource, where):
            system, code = node.get("system"), node.get("code")
            if isinstance(system, str) and isinstance(code, str):
                known = c.KNOWN_CODES.get(system)
                if known is not None and code not in known:
                    problems.append(f"{path}: code {code!r} is not defined in {system}")
                if system == c.UCUM and "value" in node and node.get("unit") != c.UNITS.get(code):
                    problems.append(f"{path}: unit text {node.get('unit')!r} does not go with UCUM {code!r}")
            ref = node.get("reference")
            if isinstance(ref, str):
                if ref.startswith("urn:uuid:") and ref not in full_urls:
                    problems.append(f"{path}: {ref} does not resolve to an entry of the bundle")
                elif ref.startswith("#") and ref[1:] not in contained:
                    problems.append(f"{path}: {ref} does not resolve to a contained resource")
                elif not ref.startswith(("urn:uuid:", "#")):
                    problems.append(f"{path}: {ref!r} points outside the bundle")
            elif (
                "reference" not in node
                and isinstance(node.get("type"), str)
                and node["type"] in _REFERENCE_TYPES
                and "display" not in node
            ):
                problems.append(f"{path}: a logical reference needs a display")
        if kind == "Observation":
            has_value = any(k.startswith("value") for k in resource)
            if has_value and "dataAbsentReason" in resource:
                problems.append(f"{where}: has both a value and a dataAbsentReason (obs-6)")
        if kind == "MedicationAdministration":
            problems.extend(_check_dose(resource, where))

    text = json.dumps(bundle, ensure_ascii=False)
    for sign in _MICRO_SIGNS:
        if sign in text:
            problems.append(f"the bundle writes {sign!r}: doses are 'mcg' (UCUM 'ug')")
    return problems


def _check_dose(resource: Mapping[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    dosage = resource.get("dosage", {})
    dose = dosage.get("dose", {})
    if dose.get("system") != c.UCUM or dose.get("code") != "ug" or dose.get("unit") != "mcg":
        problems.append(f"{where}.dosage.dose: must be UCUM 'ug' shown as 'mcg'")
    value = dose.get("value")
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        problems.append(f"{where}.dosage.dose.value: must be a positive whole number of micrograms")
    route = [(x.get("system"), x.get("code")) for x in dosage.get("route", {}).get("coding", [])]
    if (c.SNOMED, c.INTRATHECAL_ROUTE.code) not in route:
        problems.append(f"{where}.dosage.route: must be intrathecal (SNOMED CT {c.INTRATHECAL_ROUTE.code})")
    functions = [
        x.get("code") for p in resource.get("performer", []) for x in p.get("function", {}).get("coding", [])
    ]
    if functions.count("verifier") > 1 or functions.count("performer") > 1:
        problems.append(f"{where}.performer: at most one performer and one verifier")
    return problems
