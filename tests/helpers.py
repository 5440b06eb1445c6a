"""Small helpers shared by tests (not fixtures)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from trialapp.services.demo import demo_text


def demo_json(name: str = "demo_responder.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(demo_text(name))
    return data


def file_digest(path: Path) -> str:
    """SHA-256 of a database file and its WAL (if any): 'byte-for-byte unchanged' means equal digests."""
    h = hashlib.sha256()
    for p in (path, Path(str(path) + "-wal")):
        if p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()
