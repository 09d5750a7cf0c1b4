"""Display filters for the registry's pages: Danish amounts, condition results, provenance."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def kr(value: Decimal | int | float | None) -> str:
    """1234567 -> "1.234.567 kr."; 1234.5 -> "1.234,50 kr."; None -> "Ukendt"."""
    if value is None or value == "":
        return "Ukendt"
    amount = Decimal(value).quantize(Decimal("0.01"))
    whole, cents = divmod(abs(amount), 1)
    text = f"{int(whole):,}".replace(",", ".")
    if cents:
        text += "," + f"{cents:.2f}"[2:]
    return f"{'-' if amount < 0 else ''}{text} kr."


@register.filter
def condition_label(passed: bool | None) -> str:
    """A condition's result in words (never colour alone)."""
    if passed is None:
        return "Uafklaret"
    return "Opfyldt" if passed else "Ikke opfyldt"


@register.filter
def condition_badge(passed: bool | None) -> str:
    if passed is None:
        return "badge-warning"
    return "badge-success" if passed else "badge-error"


@register.filter
def provenance(entries: Any) -> str:
    """[{"table": "Tabel 3.1", "line": 702}, …] -> "Tabel 3.1, linje 702; …"."""
    if not entries:
        return "–"
    if isinstance(entries, dict):
        entries = [entries]
    parts = []
    for entry in entries:
        if not isinstance(entry, dict):
            parts.append(str(entry))
            continue
        text = str(entry.get("table") or "Ukendt kilde")
        if entry.get("line") is not None:
            text += f", linje {entry['line']}"
        if entry.get("date"):
            text += f" ({entry['date']})"
        parts.append(text)
    return "; ".join(parts)


@register.filter
def or_unknown(value: Any) -> Any:
    """Blank or missing values read "Ukendt" (unknown is a legal value for every parameter)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "Ukendt"
    return value


BASIS_LABELS = {"computed": "beregnet", "vive": "VIVE", "override": "manuel", "none": ""}


@register.filter
def basis_label(basis: str) -> str:
    """The short marker for where an effective category comes from."""
    return BASIS_LABELS.get(basis, basis)


@register.filter
def da_date(value: Any) -> str:
    """A date as dd.mm.åååå ("–" for none)."""
    return value.strftime("%d.%m.%Y") if value else "–"


@register.filter
def get_category(labels: dict[int, str], category: int) -> str:
    return labels.get(category, "")


@register.filter
def notable_issues(issues: Any) -> list[Any]:
    """Validation issues worth listing next to the explanation: "no actors" is left out, since
    an initiative may be registered without actors and the explanation already says so."""
    return [issue for issue in issues or () if getattr(issue, "code", "") != "no_actors"]
