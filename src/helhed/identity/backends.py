"""The login backend: django-allauth's (username or e-mail and password), with the one read every
request makes — the logged-in user by id — compiled once per process (``core.prepared``)."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.db.models import QuerySet

from helhed.core.models import User
from helhed.core.prepared import Prepared


def _user(user_id: Any) -> QuerySet[User]:
    return User._default_manager.filter(pk=user_id)


_USER: Prepared[User] = Prepared(User, _user)


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id: Any) -> User | None:
        """As Django's ``ModelBackend.get_user``: the user with that id, if it may log in."""
        found = _USER(user_id)
        if not found:
            return None
        user = found[0]
        return user if self.user_can_authenticate(user) else None
