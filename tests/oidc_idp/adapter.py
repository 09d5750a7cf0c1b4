"""The provider's claims: what the tests wrote for the user in the claims file."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from allauth.idp.oidc.adapter import DefaultOIDCAdapter


def claims_for(username: str) -> dict[str, Any]:
    data = json.loads(Path(os.environ["HELHED_IDP_CLAIMS"]).read_text())
    return dict(data.get(username, {}))


class ClaimsFileAdapter(DefaultOIDCAdapter):
    def get_user_sub(self, client: Any, user: Any) -> str:
        return str(claims_for(user.username).get("sub") or super().get_user_sub(client, user))

    def get_user_by_sub(self, client: Any, sub: str) -> Any:
        from django.contrib.auth import get_user_model

        for user in get_user_model().objects.filter(is_active=True):
            if self.get_user_sub(client, user) == sub:
                return user
        return None

    def get_claims(
        self,
        purpose: Literal["id_token", "userinfo"],
        user: Any,
        client: Any,
        scopes: Iterable[str],
        email: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        claims.update(claims_for(user.username))
        return claims
