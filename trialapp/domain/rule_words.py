"""The clinical rules in words: what each computes, as a clinician would say it.

Screens and printouts say what a figure is ("Response", "Recommended initial pump dose"); the rule's number
and where it is written (clinical/RULES.md, revision 2) are kept for whoever asks: a screen's tooltip
(``ui/rule_words.why``) and the clinical summary's closing "How these figures are worked out".
"""

from __future__ import annotations

from typing import Final, NamedTuple


class Rule(NamedTuple):
    name: str  # what the figure is called on screen and paper
    words: str  # what the rule computes


#: The trial's rules a clinician meets, in the order of the day.
TRIAL_RULES: Final[dict[str, Rule]] = {
    "R3": Rule("Reduction", "the change in MAS from the day's baseline, over the muscle-sides graded both times"),
    "R4": Rule("Response", "a day's response: a reduction of at least the threshold, held at two reassessments"),
    "R5": Rule("Significant adverse event", "which adverse events count as significant for the day's dose"),
    "R6": Rule("Recommended initial pump dose", "the recommended initial pump dose from the trial's responses"),
    "R7": Rule("Next-dose suggestion", "the next-dose suggestion from the day's response and adverse events"),
    "R8": Rule("Dose checks", "the dose checks: the protocol maximum, the ladder, the time since the last dose"),
    "R9": Rule("Vital-sign alerts", "the vital-sign alert limits for the child's age"),
    "R14": Rule("Before the decision", "what must be true, or explained, before the decision is signed"),
}

#: Where the rules are written, as a reader can look them up.
SOURCE: Final = "clinical/RULES.md, revision 2"


def explained(rule: str) -> str:
    """``"clinical rule R7 of the trial protocol, the next-dose suggestion from … (clinical/RULES.md, revision 2)"``."""
    return f"clinical rule {rule} of the trial protocol, {TRIAL_RULES[rule].words} ({SOURCE})"
