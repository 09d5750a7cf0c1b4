"""The economics app's words: error messages for the keys ``logic`` returns, labels of statuses
and sources, and the evidence of an indicator result in plain Danish (English via the catalogue).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helhed.economics import logic
from helhed.economics.models import (
    BudgetArea,
    IndicatorSource,
    PayerLevel,
    PointInstrument,
    ResultStatus,
)

ERRORS = {
    "required": gettext_lazy("Udfyld feltet."),
    "negative": gettext_lazy("Tallet kan ikke være negativt."),
    "zero": gettext_lazy("Angiv et beløb større end 0."),
    "too-large": gettext_lazy("Tallet er urimeligt stort – tjek det."),
    "ore": gettext_lazy("Højst to decimaler (øre)."),
    "decimals": gettext_lazy("Højst to decimaler."),
    "number": gettext_lazy("Skriv et tal, fx 1.250,50."),
    "cohort": gettext_lazy("Angiv mindst 1 deltager."),
    "cohort-large": gettext_lazy("Højst 1.000.000 deltagere."),
    "horizon": gettext_lazy("Tidshorisonten skal være 1-10 år (SØM regner højst 10 år frem)."),
    "discount": gettext_lazy("Diskonteringsrenten skal ligge mellem 0 og 20 %."),
    "percent": gettext_lazy("Angiv en procent mellem 0 og 100."),
    "year": gettext_lazy("Angiv et år mellem 1900 og 2200."),
    "price-year": gettext_lazy("En pris skal have det år, prisen gælder for."),
    "scenario-order": gettext_lazy(
        "Succesraterne skal stige (eller være lige store) fra forsigtig over forventet til "
        "optimistisk."
    ),
    "source": gettext_lazy("Vælg den datakilde i Helhed, indikatoren måles på."),
    "who5-points": gettext_lazy("Angiv den stigning (1-100 point), kontrakten kalder betydende."),
    "weeks": gettext_lazy("Angiv et vindue på 1-520 uger."),
    "months": gettext_lazy("Angiv 0-120 måneder efter start."),
    "accepted": gettext_lazy("Vælg mindst én status, der tæller som succes."),
    "share": gettext_lazy("Angiv en andel over 0 og højst 100 %."),
    "order": gettext_lazy("Fasen skal slutte efter den starter."),
    "overlap": gettext_lazy("Fasen overlapper en anden fase."),
    "case-year": gettext_lazy("Året skal ligge inden for tidshorisonten."),
    "within": gettext_lazy("Angiv 1-10 år."),
    "cap-floor": gettext_lazy("Loftet skal være mindst lige så stort som gulvet."),
    "period": gettext_lazy("Perioden skal slutte samme dag eller efter den starter."),
    "cutoff": gettext_lazy("Skæringsdatoen kan ikke ligge før periodens start."),
    "changes": gettext_lazy("Angiv ændringen for mindst ét år."),
    "unit": gettext_lazy("Vælg en enhed fra priskataloget."),
    "choice": gettext_lazy("Vælg en af mulighederne."),
    "month": gettext_lazy("Vælg en måned."),
    "months-count": gettext_lazy("Angiv 1-36 måneder."),
    "text": gettext_lazy("Udfyld feltet."),
    "measure": gettext_lazy("Vælg en af forløbets indsatser."),
    "reason": gettext_lazy("Begrund hvorfor resultatet tilsidesættes."),
    "locked": gettext_lazy("Kontrakten er låst efter skæringsdatoen; resultater kan ikke ændres."),
    "enrol-initiative": gettext_lazy(
        "Forløbet hører ikke til kontraktens indsats, eller det koordineres ikke af "
        "kontraktens kommune."
    ),
    "enrolled": gettext_lazy("Forløbet deltager allerede i kontrakten."),
    "enrol-date": gettext_lazy("Startdatoen skal ligge i kontraktens periode."),
    "no-points": gettext_lazy("Angiv mindst ét målepunkt eller ingen."),
    "indicators": gettext_lazy("En kontrakt skal have mindst én indikator."),
    "primary": gettext_lazy("Mindst én indikator skal være et primært betalingsmål."),
    "stale": gettext_lazy(
        "En anden har gemt en nyere udgave imens. Se ændringerne, og gem igen, hvis dine stadig "
        "skal gælde."
    ),
    "organisation": gettext_lazy("Vælg en organisation, hvor du er leder eller analytiker."),
    "duplicate-point": gettext_lazy("Samme måling er planlagt to gange i samme uge."),
    "duplicate": gettext_lazy("Udgiften er allerede registreret (samme indsendelse to gange)."),
}


def error(key: str) -> str:
    return str(ERRORS.get(key, ERRORS["required"]))


def status_label(status: str) -> str:
    return str(dict(ResultStatus.choices).get(status, status))


def source_label(source: str) -> str:
    return str(dict(IndicatorSource.choices).get(source, source))


def area_label(area: str) -> str:
    return str(dict(BudgetArea.choices).get(area, area))


def payer_label(payer: str) -> str:
    return str(dict(PayerLevel.choices).get(payer, payer))


def instrument_label(instrument: str) -> str:
    return str(dict(PointInstrument.choices).get(instrument, instrument))


SCENARIOS = {
    "forsigtigt": gettext_lazy("Forsigtigt"),
    "forventet": gettext_lazy("Forventet"),
    "optimistisk": gettext_lazy("Optimistisk"),
}

CAUTION = gettext_lazy(
    "En business case er et skøn, ikke et bevis for årsag og virkning: de økonomiske "
    "konsekvenser bygger på antagelser om effekt og priser. Den kan aldrig stå alene – læs den "
    "sammen med borgernes progression og livskvalitet (se resultaterne for indsatsen)."
)
EXAMPLE_PRICES = gettext_lazy(
    "Eksempelpriserne er vejledende eksempler med kilde og år. En kommune erstatter dem med "
    "sine egne priser eller priser fra SØM's vidensdatabase (Social- og Boligstyrelsen)."
)


def employment_label(value: str) -> str:
    from helhed.progress.logic import EMPLOYMENT

    return str(dict(EMPLOYMENT).get(value, value))


def _day(iso: Any) -> str:
    try:
        return date_format(date.fromisoformat(str(iso)), "d.m.Y")
    except ValueError:
        return str(iso)


def evidence_text(evidence: Mapping[str, Any], evidence_on: date | None) -> str:
    """The evidence of an indicator result in one sentence."""
    kind = evidence.get("kind")
    on = date_format(evidence_on, "d.m.Y") if evidence_on else ""
    if kind == "who5":
        return _("WHO-5 %(first)s (%(first_on)s) → %(score)s (%(on)s): %(change)s point") % {
            "first": _num(evidence.get("first")),
            "first_on": _day(evidence.get("first_on")),
            "score": _num(evidence.get("score")),
            "on": on,
            "change": _signed(evidence.get("change")),
        }
    if kind == "no-who5":
        return _("Færre end to WHO-5-målinger i vinduet (%(n)s).") % {"n": evidence.get("n", 0)}
    if kind == "employment":
        return _("Beskæftigelse registreret %(on)s: %(value)s") % {
            "on": on,
            "value": employment_label(str(evidence.get("value", ""))),
        }
    if kind == "no-employment":
        return _("Ingen beskæftigelsesstatus registreret på tidspunktet.")
    if kind == "school":
        return _("Skolefravær %(absence)s %% (%(on)s); grænse %(limit)s %%") % {
            "absence": evidence.get("absence"),
            "on": on,
            "limit": evidence.get("limit"),
        }
    if kind == "no-school":
        return _("Intet skolefremmøde registreret på tidspunktet.")
    if kind == "goals":
        return _("%(reached)s af %(rated)s vurderede mål på forventet niveau eller bedre") % {
            "reached": evidence.get("reached"),
            "rated": evidence.get("rated"),
        }
    if kind == "no-goals":
        return _("Ingen vurdering af målopfyldelse på tidspunktet.")
    if kind == "measures":
        return _("Sociale foranstaltninger: %(before)s ved start, %(after)s nu") % {
            "before": evidence.get("before"),
            "after": evidence.get("after"),
        }
    if kind == "no-measures":
        return _("Ingen sociale foranstaltninger ved start at sammenligne med.")
    if kind == "override":
        return _("Tilsidesat manuelt.")
    return ""


def _num(value: Any) -> str:
    if value is None:
        return "–"
    return f"{float(value):g}"


def _signed(value: Any) -> str:
    if value is None:
        return "–"
    v = float(value)
    return f"+{v:g}" if v > 0 else f"{v:g}"


def kr(value: Decimal | int | None, *, ore: bool = False) -> str:
    """Whole kroner with the language's grouping: ``1.234.567 kr.`` (Danish)."""
    if value is None:
        return "–"
    whole = logic.round_kr(logic.to_kr(int(value)) if ore else Decimal(value))
    return f"{number_format(int(whole), force_grouping=True)} kr."


def percent(value: Decimal | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{number_format(value, decimal_pos=digits)} %"
