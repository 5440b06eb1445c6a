"""What a clinician reads instead of a rule's number: the screen says it in words ("Suggestion",
"Significant"), and a tooltip's "Why:" line names the rule and where it is written, for whoever asks.

Rule numbers ("R7"), document names ("RULES.md") and codes ("within_24h") never appear in a label, a button
or a table cell (tests/ui/test_plain_words.py walks the screens).
"""

from __future__ import annotations

import re
from typing import Final

from trialapp.domain.rule_words import explained

__all__ = ["readable_source", "why"]


def why(rule: str) -> str:
    """A tooltip line naming the rule behind what is shown: "Why: clinical rule R7 (the next-dose …)"."""
    return f"Why: {explained(rule)}."


#: Sources and notes (protocol defaults, vital-sign limits, QI bundle steps) are written for whoever checks
#: them against the documents; on a screen they are said in words. Most specific first.
_SOURCE_WORDS: Final = (
    (re.compile(r"\s*\(REFERENCE\.md section \d+\)"), ""),
    (re.compile(r"REFERENCE\.md section \d+"), "the clinical reference"),
    (re.compile(r"RULES\.md R\d+(?:-R\d+)? default"), "the trial protocol's default"),
    (re.compile(r"RULES\.md R\d+(?:-R\d+)?:"), "The trial protocol:"),
    (re.compile(r"RULES\.md R\d+(?:-R\d+)?"), "the trial protocol"),
    (re.compile(r"UNCONFIRMED verbatim"), "exact wording not confirmed by a published source"),
    (re.compile(r"UNCONFIRMED as"), "not confirmed as"),
    (re.compile(r"citation from memory, UNCONFIRMED"), "citation not yet checked against the paper"),
    (re.compile(r"UNCONFIRMED"), "not yet checked against the source"),
)


def readable_source(note: str) -> str:
    """A source or note as a clinician reads it: no document names, rule numbers or status codes."""
    for pattern, words in _SOURCE_WORDS:
        note = pattern.sub(words, note)
    return note
