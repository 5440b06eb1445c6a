"""Every sentence of the family summary in English, in one place: the source of the message catalogues.

Written for a reading level of grade 6 or below (REFERENCE.md §7): short sentences, everyday words, and the
few medical words explained once with how to say them. These English texts are the message ids of
``resources/translations/family.pot`` (each keyed by its context), from which every language's ``.po`` is
translated (:mod:`trialapp.reports.catalog`, docs/reports.md); the family summary reads them only through
the catalogues, English included.

Placeholders: ``{name}`` is the child's first name (or "your child"); ``{Their}``/``{their}`` the
possessive that fits the child ("her", "his", or "their" when the sex is other or not known); ``{limbs}``
the limbs the trial measured ("legs"). Other placeholders are filled with numbers, doses and dates.
"""

from __future__ import annotations

from typing import Final

LANG: Final = "en"

STRINGS: Final[dict[str, str]] = {
    # Title block
    "doc_title": "{name_possessive} baclofen trial",
    "doc_subtitle": "A summary for the family",
    "from_clinic": "From {clinic}",
    "trial_dates": "Trial days: {start} to {end}",
    "trial_date_single": "Trial day: {start}",
    "printed_on": "Printed on {date}",
    # Key points
    "h_key_points": "Three things to know",
    "key_response_yes": "On day {day}, {dose} of baclofen made {their} {limbs} less stiff.",
    "key_response_no": "In this trial, the stiffness in {their} {limbs} did not go down enough.",
    "key_response_unknown": "The team could not yet tell how well baclofen worked.",
    "key_response_running": "The trial is still going. The results of day {days} are not ready yet.",
    "key_decision_candidate": "The team thinks a baclofen pump could help {name}.",
    "key_decision_not_candidate": "The team thinks a baclofen pump is not the right choice now.",
    "key_decision_none": "The team has not made a choice about a pump yet.",
    "key_call": "The last page lists warning signs and who to call. Keep it where you can see it.",
    # What the trial was
    "h_what": "What was the trial?",
    "what_baclofen": "Baclofen (BACK-low-fen) is a medicine. It helps tight muscles relax.",
    "what_how": (
        "In the trial, the team gave {name} a small dose of baclofen on each day. It went into the fluid "
        "around the spine. This way to give it is called intrathecal (in-trah-THEE-kal)."
    ),
    "what_how_one_day": (
        "In the trial, the team gave {name} a small dose of baclofen. It went into the fluid "
        "around the spine. This way to give it is called intrathecal (in-trah-THEE-kal)."
    ),
    "what_check": "The team checked how stiff {their} muscles were before each dose. Then they checked many times after it.",
    "what_why": "The trial helps the team and your family choose if a baclofen pump could help {name}.",
    "what_not_promise": "The trial is a test. It is not a promise of a pump.",
    "what_mcg": "We write doses in mcg. This means micrograms. A microgram is a very tiny amount.",
    # Each day
    "h_days": "What happened each day?",
    "h_days_one_day": "What happened on the trial day?",
    "day_heading": "Day {day}: {date}",
    "day_dose": "{name} got {dose} of baclofen at {time}.",
    "day_two_doses": "{name} got {count} doses on this day. The first was {dose} at {time}.",
    "day_no_dose": "No dose was given on this day.",
    "change_clear": "{Their} {limbs} were less stiff for {hours_about}. This was a clear change.",
    "change_clear_longer": (
        "{Their} {limbs} were less stiff for at least {hours}. It may have lasted longer. "
        "This was a clear change."
    ),
    "change_small": (
        "{Their} {limbs} were a little less stiff. The team looked for a drop of {threshold} or more "
        "on the stiffness score. It went down by {drop}."
    ),
    "change_none": "{Their} {limbs} did not get less stiff.",
    "change_unknown": "The team could not measure the change on this day.",
    "change_not_ready": "The results of this day are not ready yet. The team is still checking {name}.",
    "change_so_far": "{Their} {limbs} were less stiff at the checks so far. The team is still checking {name}.",
    "side_effect": "Side effect: {effect} ({severity}).",
    "event_before_dose": "Before the dose: {effect} ({severity}). It is not counted as a side effect of the dose.",
    "side_effects_none": "No side effects were seen.",
    "side_effects_none_so_far": "No side effects have been seen so far.",
    "next_dose_family": "The team and your family agreed on {dose} for the next day.",
    "next_dose_team": "The team chose {dose} for the next day.",
    "next_dose_lower_family": (
        "Because of the side effect, the team and your family chose a smaller dose: {dose} for the next day."
    ),
    "next_dose_lower_team": "Because of the side effect, the team chose a smaller dose: {dose} for the next day.",
    # Stiffness chart
    "h_chart": "How stiff were {their} {limbs}?",
    "chart_intro": (
        "Each day has two bars. The dark bar is before the dose. The striped bar is the best time after "
        "the dose. A shorter bar means less stiff."
    ),
    "chart_before": "Before the dose",
    "chart_after": "Best time after the dose",
    "chart_axis": "Stiffness",
    "chart_axis_note": "0 = not stiff",
    "chart_day": "Day {day}",
    "chart_so_far": "(so far)",
    "chart_not_measured": "not measured",
    # Goals
    "h_goals": "Your goals for {name}",
    "goals_intro": "Before the trial, you told the team what you hoped would change.",
    "goal_better": "Better than you hoped, on day {day}.",
    "goal_met": "Reached on day {day}.",
    "goal_some": "A little better on day {day}, but not reached yet.",
    "goal_same": "No change was seen.",
    "goal_worse": "This got harder during the trial.",
    "goal_not_scored": "This was not checked during the trial.",
    "goals_none": "No goals were written down for this trial.",
    # Decision
    "h_decision": "What did the team decide?",
    "decision_candidate": "The team thinks a baclofen pump could help {name}.",
    "decision_candidate_dose": "If {name} gets a pump, it would start with {dose} each day.",
    "decision_candidate_next": (
        "Next, the team will talk with you about the surgery to put in the pump. "
        "You can ask questions. You can take your time to choose."
    ),
    "decision_not_candidate": "The team thinks a baclofen pump is not the right choice for {name} now.",
    "decision_not_candidate_next": "The team will talk with you about other ways to help with stiff muscles.",
    "decision_none": "The team has not made a choice yet.",
    "decision_none_next": "The team will talk with you soon about what the trial showed and what comes next.",
    "decision_date": "The team made this choice on {date}.",
    # Warning signs (REFERENCE.md §7)
    "h_warning": "Warning signs for {name}: who to call",
    "warning_intro": "Baclofen can still have effects after the trial. Watch {name} for these signs.",
    "clinic_when": "Call the clinic if {name}:",
    "clinic_itchy": "is very itchy.",
    "clinic_tight": "has tight muscles again.",
    "clinic_spasms": "has a lot of spasms (sudden muscle jerks).",
    "clinic_grumpy": "is much more grumpy than usual.",
    "clinic_phone": "Clinic phone: {phone}",
    "clinic_phone_missing": "Ask the care team for the clinic phone number. Write it here:",
    "emergency_when": "Call {emergency} right away if {name}:",
    "emergency_services": "emergency services",
    "emergency_with_number": "{number}",
    "emergency_hard_to_wake": "is very hard to wake up, or much more sleepy than usual.",
    "emergency_breathing": "has trouble breathing.",
    "emergency_dizzy": "is dizzy or faints.",
    "emergency_weak": "is very weak, very floppy or very stiff.",
    "emergency_number_missing": "Ask the care team for the emergency number. Write it here:",
    "questions": "If you have questions, ask the care team. We are glad to help.",
    # Page footer
    "footer": "{name_possessive} trial summary",
    "page": "Page {page} of {pages}",
}

# Side effects in everyday words (kinds of itb-trial/1).
SIDE_EFFECTS: Final[dict[str, str]] = {
    "nausea": "upset stomach",
    "vomiting": "throwing up",
    "headache": "headache",
    "csf_leak": "a leak of fluid from the spine, which can cause a headache",
    "urinary_retention": "trouble passing urine (pee)",
    "drowsiness": "more sleepy than usual",
    "respiratory_depression": "slow or weak breathing",
    "hypotonia": "muscles too floppy",
    "bradycardia": "slow heartbeat",
    "hypotension": "low blood pressure",
    "seizure": "a seizure (fit)",
    "pruritus": "itchy skin",
    "other": "another side effect",
}

SEVERITY: Final[dict[str, str]] = {"mild": "mild", "moderate": "medium", "severe": "strong"}

#: The child's grammar: who "your child" is, the possessive by recorded sex ("other" and "unknown" get the
#: neutral form, never a guessed pronoun), the limbs the trial measured and the adjective agreeing with them.
GRAMMAR: Final[dict[str, str]] = {
    "child.female": "your child",
    "child.male": "your child",
    "child.other": "your child",
    "their.female": "her",
    "their.male": "his",
    "their.other": "their",
    "name_possessive": "{name}'s",
    "limbs.lower": "legs",
    "limbs.upper": "arms",
    "limbs.all": "arms and legs",
    "rigid.lower": "stiff",
    "rigid.upper": "stiff",
    "rigid.all": "stiff",
}

#: How dates and times are written (Babel/CLDR patterns: the month and weekday names come from the
#: language's own locale data) and the words around a duration.
FORMATS: Final[dict[str, str]] = {
    "format.date_long": "EEEE d MMMM y",  # Monday 2 November 2026
    "format.date_short": "d MMMM y",  # 2 November 2026
    "format.time": "h:mm a",  # 9:00 AM
    "hours_less_than_one": "less than 1 hour",
    "hours_about": "about {hours}",
}

#: Messages with plural forms (singular, plural); ``{n}`` is the number.
PLURALS: Final[dict[str, tuple[str, str]]] = {"hours": ("{n} hour", "{n} hours")}
