"""The small vocabularies every registry format shares: organisation types, roles, ISO dates,
krone amounts and VIVE's 14 fagområder. Each parser raises ``ValueError`` with a Danish message
(lower-case, so a caller can prefix the field or row it came from)."""

from __future__ import annotations

import difflib
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

from helhed.registry import logic

MAX_NAME_LENGTH: Final = 300  # an actor's name and a funder (InitiativeActor, FundingSource)
MAX_AMOUNT: Final = Decimal(10) ** 12  # FundingSource.amount: 14 digits, 2 decimals

ORG_TYPES: Final = tuple(t.value for t in logic.OrgType)
ROLE_WORDS: Final[dict[str, logic.ActorRole]] = {
    "primary": logic.ActorRole.PRIMARY,
    "primær": logic.ActorRole.PRIMARY,
    "primaer": logic.ActorRole.PRIMARY,
    "participating": logic.ActorRole.PARTICIPATING,
    "deltagende": logic.ActorRole.PARTICIPATING,
    "context": logic.ActorRole.CONTEXT,
    "kontekst": logic.ActorRole.CONTEXT,
}
ROLE_DA: Final[dict[str, str]] = {
    "primary": "primær",
    "participating": "deltagende",
    "context": "kontekst",
}
ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_org_type(raw: str) -> logic.OrgType:
    value = raw.strip().casefold()
    if value not in ORG_TYPES:
        raise ValueError(f"ukendt organisationstype '{raw}' (brug {', '.join(ORG_TYPES)})")
    return logic.OrgType(value)


def parse_role(raw: str) -> logic.ActorRole:
    value = raw.strip().casefold()
    if value not in ROLE_WORDS:
        raise ValueError(
            f"ukendt rolle '{raw}' (brug primær, deltagende eller kontekst - "
            "eller primary, participating, context)"
        )
    return ROLE_WORDS[value]


def parse_date(raw: str) -> date:
    text = raw.strip()
    if not ISO_DATE.fullmatch(text):
        raise ValueError(f"ugyldig dato '{raw}' (brug ÅÅÅÅ-MM-DD, fx 2025-01-01)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"ugyldig dato '{raw}' (datoen findes ikke)") from None


def _amount_text(raw: str) -> str:
    """``6.900.000``, ``1.234.567,50`` or ``12500,50 kr.`` as a decimal literal."""
    text = re.sub(r"\s*(kr\.?|dkk)\s*$", "", raw.strip(), flags=re.IGNORECASE).replace(" ", "")
    if "," in text:  # Danish: 1.234.567,50
        return text.replace(".", "").replace(",", ".")
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):  # 6.900.000
        return text.replace(".", "")
    return text


def parse_amount(raw: object) -> Decimal | None:
    """A krone amount: a number, or text such as ``6900000``, ``6.900.000`` or ``12500,50 kr.``"""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        raise ValueError(f"ugyldigt beløb '{raw}'")
    if not isinstance(raw, str):
        return Decimal(str(raw))
    text = _amount_text(raw)
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"ugyldigt beløb '{raw}' (skriv fx 6900000)") from None
    if not value.is_finite():
        raise ValueError(f"ugyldigt beløb '{raw}'")
    if abs(value) >= MAX_AMOUNT:
        raise ValueError(f"beløbet '{raw}' er for stort (højst 12 cifre før kommaet)")
    return value.quantize(Decimal("0.01"))  # øre, as stored


def format_amount(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def welfare_area_slug(raw: str) -> str:
    """One of the 14 fagområder from a slug or any spelling logic knows; a Danish error if not."""
    try:
        return logic.normalize_welfare_area(raw)
    except ValueError:
        pass
    names = {danish: slug for slug, danish, _en in logic.WELFARE_AREAS}
    forms = {name.casefold(): name for name in names} | {slug: slug for slug in names.values()}
    candidates = difflib.get_close_matches(raw.strip().casefold(), list(forms), n=2, cutoff=0.6)
    hint = ""
    if candidates:
        hint = " Mente du " + " eller ".join(f"'{forms[c]}'" for c in candidates) + "?"
    raise ValueError(
        f"ukendt fagområde '{raw}'.{hint} Brug et af VIVE's 14 fagområder: " + ", ".join(names)
    )


def capitalised(message: str) -> str:
    """A parser's lower-case message as a sentence of its own."""
    return message[:1].upper() + message[1:]
