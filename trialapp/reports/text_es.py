"""Every sentence of the family summary in Spanish, in one place (same keys as ``text_en``).

Lenguaje claro: frases cortas, palabras de todos los días y las pocas palabras médicas explicadas una vez,
con cómo se dicen. Spanish needs no pronoun for the child (``sus piernas`` fits any child), so the only
grammar placeholders are the name, the limbs and the adjective that agrees with them (``rígidas`` for
``piernas``, ``rígidos`` for ``brazos``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

LANG: Final = "es"

STRINGS: Final[dict[str, str]] = {
    # Título
    "doc_title": "La prueba de baclofeno de {name}",
    "doc_subtitle": "Un resumen para la familia",
    "from_clinic": "De {clinic}",
    "trial_dates": "Días de la prueba: del {start} al {end}",
    "trial_date_single": "Día de la prueba: {start}",
    "printed_on": "Impreso el {date}",
    # Puntos clave
    "h_key_points": "Tres cosas que debe saber",
    "key_response_yes": "El día {day}, {dose} de baclofeno dejó sus {limbs} menos {rigid}.",
    "key_response_no": "En esta prueba, el baclofeno no bajó lo bastante la rigidez de sus {limbs}.",
    "key_response_unknown": "El equipo aún no pudo saber si el baclofeno sirvió.",
    "key_response_running": "La prueba sigue en curso. Los resultados del día {days} aún no están listos.",
    "key_decision_candidate": "El equipo cree que una bomba de baclofeno puede ayudar a {name}.",
    "key_decision_not_candidate": "El equipo cree que una bomba de baclofeno no es lo mejor por ahora.",
    "key_decision_none": "El equipo aún no ha decidido nada sobre una bomba.",
    "key_call": "La última página dice las señales de alarma y a quién llamar. Téngala a la vista.",
    # Qué fue la prueba
    "h_what": "¿Qué fue la prueba?",
    "what_baclofen": "El baclofeno (ba-clo-FE-no) es un medicamento. Ayuda a que los músculos tensos se relajen.",
    "what_how": (
        "En la prueba, el equipo le dio a {name} una dosis pequeña de baclofeno cada día. La dosis entró "
        "en el líquido que rodea la columna. Esta forma de darlo se llama intratecal (in-tra-te-CAL)."
    ),
    "what_check": "El equipo miró la rigidez de sus músculos antes de cada dosis. Luego la miró muchas veces más.",
    "what_why": "La prueba ayuda al equipo y a su familia a decidir si una bomba de baclofeno puede ayudar a {name}.",
    "what_not_promise": "La prueba es un examen. No es una promesa de una bomba.",
    "what_mcg": "Las dosis van en mcg. Quiere decir microgramos. Un microgramo es una cantidad muy pequeña.",
    # Cada día
    "h_days": "¿Qué pasó cada día?",
    "day_heading": "Día {day}: {date}",
    "day_dose": "{name} recibió {dose} de baclofeno a las {time}.",
    "day_two_doses": "{name} recibió {count} dosis este día. La primera fue de {dose} a las {time}.",
    "day_no_dose": "Este día no se dio ninguna dosis.",
    "change_clear": "Sus {limbs} estuvieron menos {rigid} durante {hours_about}. Fue un cambio claro.",
    "change_clear_longer": (
        "Sus {limbs} estuvieron menos {rigid} durante {hours} o más. Puede que durara más. Fue un cambio claro."
    ),
    "change_small": "Sus {limbs} estuvieron un poco menos {rigid}. El cambio fue demasiado pequeño para contar.",
    "change_none": "Sus {limbs} no se pusieron menos {rigid}.",
    "change_unknown": "El equipo no pudo medir el cambio este día.",
    "change_not_ready": "Los resultados de este día aún no están listos. El equipo sigue revisando a {name}.",
    "change_so_far": "Sus {limbs} estuvieron menos {rigid} en las revisiones hechas hasta ahora. El equipo sigue revisando a {name}.",
    "side_effect": "Efecto no deseado: {effect} ({severity}).",
    "side_effects_none": "No se vio ningún efecto no deseado.",
    "side_effects_none_so_far": "Hasta ahora no se ha visto ningún efecto no deseado.",
    "next_dose_family": "El equipo y su familia eligieron {dose} para el día siguiente.",
    "next_dose_team": "El equipo eligió {dose} para el día siguiente.",
    # Gráfico de rigidez
    "h_chart": "¿Qué tan {rigid} estuvieron sus {limbs}?",
    "chart_intro": (
        "Cada día tiene dos barras. La barra oscura es antes de la dosis. La barra con rayas es el mejor "
        "momento después de la dosis. Una barra más corta quiere decir menos rigidez."
    ),
    "chart_before": "Antes de la dosis",
    "chart_after": "Mejor momento después de la dosis",
    "chart_axis": "Rigidez",
    "chart_axis_note": "0 = sin rigidez",
    "chart_day": "Día {day}",
    "chart_so_far": "(hasta ahora)",
    "chart_not_measured": "sin medir",
    # Metas
    "h_goals": "Sus metas para {name}",
    "goals_intro": "Antes de la prueba, ustedes le dijeron al equipo qué querían que cambiara.",
    "goal_better": "Mejor de lo que esperaban, el día {day}.",
    "goal_met": "Se logró el día {day}.",
    "goal_some": "Un poco mejor el día {day}, pero aún no se logró.",
    "goal_same": "No se vio ningún cambio.",
    "goal_worse": "Esto se hizo más difícil durante la prueba.",
    "goal_not_scored": "Esto no se revisó durante la prueba.",
    "goals_none": "No se anotaron metas para esta prueba.",
    # Decisión
    "h_decision": "¿Qué decidió el equipo?",
    "decision_candidate": "El equipo cree que una bomba de baclofeno puede ayudar a {name}.",
    "decision_candidate_dose": "Si a {name} le ponen una bomba, empezaría con {dose} cada día.",
    "decision_candidate_next": (
        "Ahora el equipo hablará con ustedes sobre la cirugía para poner la bomba. "
        "Pueden hacer preguntas. Pueden tomarse su tiempo para decidir."
    ),
    "decision_not_candidate": "El equipo cree que una bomba de baclofeno no es lo mejor para {name} por ahora.",
    "decision_not_candidate_next": "El equipo hablará con ustedes de otras formas de ayudar con la rigidez.",
    "decision_none": "El equipo aún no ha decidido.",
    "decision_none_next": "El equipo hablará pronto con ustedes de lo que mostró la prueba y de lo que sigue.",
    "decision_date": "El equipo decidió esto el {date}.",
    # Señales de alarma (REFERENCE.md §7)
    "h_warning": "Señales de alarma de {name}: a quién llamar",
    "warning_intro": "El baclofeno puede tener efectos después de la prueba. Vigile si {name} tiene estas señales.",
    "clinic_when": "Llame a la clínica si {name}:",
    "clinic_itchy": "tiene mucha picazón.",
    "clinic_tight": "tiene los músculos tensos otra vez.",
    "clinic_spasms": "tiene muchos espasmos (sacudidas de los músculos).",
    "clinic_grumpy": "está mucho más irritable de lo normal.",
    "clinic_phone": "Teléfono de la clínica: {phone}",
    "clinic_phone_missing": "Pida al equipo el teléfono de la clínica. Anótelo aquí:",
    "emergency_when": "Llame ya a {emergency} si {name}:",
    "emergency_services": "emergencias",
    "emergency_with_number": "emergencias, al {number},",
    "emergency_hard_to_wake": "es muy difícil de despertar, o tiene mucho más sueño de lo normal.",
    "emergency_breathing": "tiene problemas para respirar.",
    "emergency_dizzy": "tiene mareos o se desmaya.",
    "emergency_weak": "tiene mucha debilidad, o los músculos muy flojos o muy rígidos.",
    "emergency_number_missing": "Pida al equipo el número de emergencias. Anótelo aquí:",
    "questions": "Si tiene preguntas, hable con el equipo. Con gusto le ayudamos.",
    # Pie de página
    "footer": "Resumen de la prueba de {name}",
    "page": "Página {page} de {pages}",
}

# Efectos no deseados en palabras de todos los días.
SIDE_EFFECTS: Final[dict[str, str]] = {
    "nausea": "malestar de estómago",
    "vomiting": "vómitos",
    "headache": "dolor de cabeza",
    "csf_leak": "salida de líquido de la columna, que puede dar dolor de cabeza",
    "urinary_retention": "problemas para orinar (hacer pis)",
    "drowsiness": "más sueño de lo normal",
    "respiratory_depression": "respiración lenta o débil",
    "hypotonia": "músculos demasiado flojos",
    "bradycardia": "latido del corazón lento",
    "hypotension": "presión de la sangre baja",
    "seizure": "una convulsión (ataque)",
    "pruritus": "picazón en la piel",
    "other": "otro efecto",
}

SEVERITY: Final[dict[str, str]] = {"mild": "leve", "moderate": "moderado", "severe": "fuerte"}

# (limbs, the adjective "rígido" agreeing with them)
_LIMBS: Final[dict[str, tuple[str, str]]] = {
    "lower": ("piernas", "rígidas"),
    "upper": ("brazos", "rígidos"),
    "all": ("brazos y piernas", "rígidos"),
}
_CHILD: Final[dict[str, str]] = {"female": "su hija", "male": "su hijo"}
_MONTHS: Final = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)
_WEEKDAYS: Final = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


def grammar_fields(given_name: str | None, sex: str | None, region: str) -> dict[str, str]:
    """The placeholders that depend on the child: name (or "su hijo o hija"), limbs and agreement."""
    name = (
        given_name.strip() if given_name and given_name.strip() else _CHILD.get(sex or "", "su hijo o hija")
    )
    limbs, rigid = _LIMBS.get(region, _LIMBS["all"])
    return {
        "name": name,
        "Name": name[:1].upper() + name[1:],
        "name_possessive": name,
        "their": "sus",
        "Their": "Sus",
        "limbs": limbs,
        "rigid": rigid,
    }


def date_words(day: date) -> str:
    """Una fecha como la lee una familia: "lunes 2 de noviembre de 2026"."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} de {_MONTHS[day.month - 1]} de {day.year}"


def short_date(day: date) -> str:
    """Una fecha sin el día de la semana: "2 de noviembre de 2026"."""
    return f"{day.day} de {_MONTHS[day.month - 1]} de {day.year}"


def time_words(at: datetime) -> str:
    """Una hora: "9:00", "15:30"."""
    return f"{at.hour}:{at.minute:02d}"


def hours_words(hours: float, *, about: bool = False) -> str:
    """Una duración en horas enteras: "6 horas", "1 hora"; con ``about``: "cerca de 6 horas".

    Menos de media hora es "menos de 1 hora" en los dos casos.
    """
    whole = int(hours + 0.5)
    if whole < 1:
        return "menos de 1 hora"
    text = f"{whole} hora" if whole == 1 else f"{whole} horas"
    return f"cerca de {text}" if about else text
