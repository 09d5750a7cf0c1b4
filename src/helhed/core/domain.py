"""The one base class for the refusals a use case can answer with, besides Django's own
``PermissionDenied`` (403) and ``ValidationError`` (field errors, 422).

A service raises a ``DomainError`` subclass with a Danish ``detail`` and, where a client needs
more to act (the current plan version, what changed meanwhile), extra ``members``. Adapters
render it once: the API's exception handler (``helhed.api``) turns it into an RFC 9457 problem
body with the class's ``status`` and ``title``; pages show the detail as a message.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """A use case refused for a reason the user can act on (a stale version, a duplicate, an
    illegal step). ``status`` is the HTTP status the API answers with."""

    status: ClassVar[int] = 409
    title: ClassVar[str] = "Konflikt"

    def __init__(self, detail: str = "", **members: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.members = members
