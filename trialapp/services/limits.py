"""The documented limits of what trialapp reads (docs/formats.md, "Limits"): checked before reading."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from trialapp.domain.vocabulary import MAX_DOCUMENT_BYTES
from trialapp.services.errors import InvalidInput

# A trial document of a long trial is about 0.2 MB, a QI CSV of ten years of procedures about 2 MB. One limit,
# the format's own: a document the format allows (itb-trial/1, "Sizes") is never refused for its size.
MAX_IMPORT_BYTES = MAX_DOCUMENT_BYTES
# Names and MRNs are short; SQLite refuses LIKE patterns over 50,000 bytes ("LIKE pattern too complex").
MAX_SEARCH_CHARS = 200


def _size(size: int) -> str:
    """Bytes as the format states its limit: exact, with the megabytes beside them."""
    return f"{size:,} bytes ({size / 1e6:,.1f} MB)" if size >= 1_000_000 else f"{size:,} bytes"


class FileTooLarge(InvalidInput):
    """A file over the import limit: refused before it is read."""


def _too_large(what: str, name: str, size: int | None, limit: int) -> FileTooLarge:
    has = f"has {_size(size)}" if size is not None else f"has more than {_size(limit)}"
    return FileTooLarge(
        f"'{name}' {has}; {what} may have at most {_size(limit)} (docs/formats.md, Limits). Nothing was read "
        "or changed. Check that this is the right file."
    )


def read_import_file(
    path: Path, what: str, *, stdin: BinaryIO | None = None, limit: int = MAX_IMPORT_BYTES
) -> bytes:
    """The bytes of a file to import, its size checked before it is read (standard input: read up to the
    limit, then refused). FileTooLarge names the size and the limit; OSError is the caller's to word."""
    if stdin is not None:
        raw = stdin.read(limit + 1)
        if len(raw) > limit:
            raise _too_large(what, "standard input", None, limit)
        return raw
    size = path.stat().st_size
    if size > limit:
        raise _too_large(what, str(path), size, limit)
    with path.open("rb") as handle:
        raw = handle.read(limit + 1)  # the file may have grown since
    if len(raw) > limit:
        raise _too_large(what, str(path), None, limit)
    return raw


def cap_search(text: str) -> tuple[str, str | None]:
    """The search text to use, and what to tell the user when it was cut to MAX_SEARCH_CHARS."""
    if len(text) <= MAX_SEARCH_CHARS:
        return text, None
    return text[:MAX_SEARCH_CHARS], (
        f"The search text has {len(text):,} characters: only its first {MAX_SEARCH_CHARS} characters were searched."
    )

