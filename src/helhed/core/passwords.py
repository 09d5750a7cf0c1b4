"""Helhed's password policy (docs/security.md, "Log ind / Logins"), beside Django's validators
(length 12, similarity to the user's names, Django's list of common passwords, all digits).

Refused, whatever the case and with digits and signs around them: the seasons and months with or
without a year ("Sommer2026!", "januar2027"), the words people in a municipality reach for
("kommune1234", "Helhed", "velkommen", "password"), the names of the user's own organisations,
the username, and a list of common Danish passwords. The messages are Danish.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SEASONS_AND_MONTHS = (
    "forår", "foraar", "sommer", "efterår", "efteraar", "vinter", "jul", "påske", "paaske",
    "januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
    "oktober", "november", "december",
    "spring", "summer", "autumn", "winter", "january", "february", "march", "may", "june",
    "july", "october",
)  # fmt: skip
# Words that name where the user works or the system itself.
ORGANISATION_WORDS = (
    "helhed", "kommune", "kommunen", "region", "regionen", "borger", "borgere", "forvaltning",
    "jobcenter", "sundhed", "psykiatri", "kriminalforsorgen", "politi", "skole", "rådhus",
    "raadhus", "medarbejder",
)  # fmt: skip
# Common Danish passwords (and the international ones Danes use), as words before digits.
COMMON_DANISH = (
    "password", "passw0rd", "adgangskode", "kodeord", "velkommen", "hemmelig", "qwerty",
    "qwertyuiop", "asdfgh", "asdfghjkl", "abc", "danmark", "denmark", "københavn", "kobenhavn",
    "aarhus", "odense", "aalborg", "fodbold", "brøndby", "fck", "agf", "hejhej", "hej",
    "kærlighed", "elskerdig", "jegelskerdig", "mormor", "morfar", "farmor", "farfar", "mor",
    "far", "kage", "hund", "kat", "test", "login", "admin", "administrator", "bruger",
    "letmein", "iloveyou", "monkey", "dragon", "sommerhus", "ferie",
)  # fmt: skip

MIN_LENGTH = 12


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _core_word(password: str) -> str:
    """The password without digits, signs and spaces around and inside it: "Sommer2026!" ->
    "sommer", "kommune1234" -> "kommune", "H3lhed!" stays "hlhed"."""
    return re.sub(r"[\W\d_]+", "", _fold(password))


def _leet(text: str) -> str:
    return text.translate(str.maketrans("013457@$", "oieastas"))


class HelhedPasswordValidator:
    """Refuses seasons and months, organisation and system names, the username and common
    Danish passwords, however decorated with digits and signs."""

    def __init__(self, organisation_names: tuple[str, ...] = ()) -> None:
        self.extra = tuple(_fold(n) for n in organisation_names)

    def validate(self, password: str, user: Any = None) -> None:
        folded = _fold(password)
        core = _core_word(password)
        delet = _core_word(_leet(folded))
        words = {core, delet}
        if any(w in SEASONS_AND_MONTHS for w in words) or re.fullmatch(
            r"(" + "|".join(SEASONS_AND_MONTHS) + r")\W*\d{2,4}\W*", folded
        ):
            raise ValidationError(
                _("Adgangskoden må ikke være en årstid eller en måned med et årstal."),
                code="password_season",
            )
        names = set(ORGANISATION_WORDS) | set(self.extra) | _organisation_words(user)
        if any(w in names for w in words) or any(
            len(n) >= 4 and n in w for n in names for w in words
        ):
            raise ValidationError(
                _(
                    "Adgangskoden må ikke bygge på navnet på Helhed, en kommune eller din "
                    "organisation."
                ),
                code="password_organisation",
            )
        username = _fold(getattr(user, "username", "") or "")
        if username and (username in folded or _core_word(username) in words - {""}):
            raise ValidationError(
                _("Adgangskoden må ikke indeholde dit brugernavn."), code="password_username"
            )
        if any(w in COMMON_DANISH for w in words) or not core:
            raise ValidationError(
                _("Adgangskoden er for almindelig. Vælg en længere sætning, som kun du kender."),
                code="password_common",
            )

    def get_help_text(self) -> str:
        return _(
            "Mindst %(min)s tegn. Ikke en årstid eller måned med årstal, ikke navnet på Helhed, "
            "en kommune eller din organisation, ikke dit brugernavn og ikke en almindelig "
            "adgangskode. En sætning af flere ord er god."
        ) % {"min": MIN_LENGTH}


def _organisation_words(user: Any) -> set[str]:
    """The words of the names of the user's organisations ("Holbæk Kommune" -> "holbæk")."""
    if user is None or getattr(user, "pk", None) is None:
        return set()
    from helhed.core.models import Organisation

    names = Organisation.objects.filter(units__memberships__user=user).values_list(
        "name", flat=True
    )
    return {_core_word(word) for name in names for word in name.split() if len(word) >= 4}


class DanishMinimumLengthValidator:
    """Django's minimum length, said in Danish."""

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < MIN_LENGTH:
            raise ValidationError(
                _("Adgangskoden er for kort: den skal have mindst %(min)s tegn.")
                % {"min": MIN_LENGTH},
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return _("Mindst %(min)s tegn.") % {"min": MIN_LENGTH}
