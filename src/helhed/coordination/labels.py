"""Words for the seven dimensions, the bands and the figures (Danish source, English in
``locale/en``); shared by the pages, the API and the export."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DIMENSION_LABELS = {
    "frequent": _("Hyppig kommunikation"),
    "timely": _("Rettidig kommunikation"),
    "accurate": _("Præcis og forståelig kommunikation"),
    "problem_solving": _("Problemløsende kommunikation"),
    "shared_goals": _("Fælles mål"),
    "shared_knowledge": _("Delt viden"),
    "mutual_respect": _("Gensidig respekt"),
}
BAND_LABELS = {
    "weak": _("svag"),
    "moderate": _("moderat"),
    "strong": _("stærk"),
}
# Questions for the facilitated dialogue between the workgroups (the results are for talking
# about together, not for ranking anyone).
DISCUSSION_QUESTIONS = (
    _("Hvad overrasker jer – og hvad genkender I?"),
    _("Hvor er båndene stærke? Hvad gør I dér, som andre kan lære af?"),
    _("Hvor er båndene svage? Hvad ville den anden faggruppe have brug for fra jer?"),
    _("Hvilke situationer om en borger viser tallene? Tag et konkret forløb som eksempel."),
    _("Hvor vurderer I hinanden forskelligt? Hvordan kan det være?"),
    _("Hvem bygger bro mellem jer i dag – og får de tid og anerkendelse til det?"),
    _("Hvad vil I prøve inden næste måling – fælles møder, fælles journal, faste kontaktpersoner?"),
)
