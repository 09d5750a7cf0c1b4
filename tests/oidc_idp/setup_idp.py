"""Run once by the fixture, in the provider's own environment: create its tables, its users and
Helhed's client. Arguments: a JSON document {"users": {name: password}, "client": {...}}."""

from __future__ import annotations

import json
import sys

import django


def main() -> None:
    spec = json.loads(sys.argv[1])
    django.setup()
    from allauth.idp.oidc.models import Client
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for name, password in spec["users"].items():
        get_user_model().objects.create_user(username=name, password=password)
    c = spec["client"]
    client = Client(id=c["id"], name="Helhed", skip_consent=True)
    client.set_secret(c["secret"])
    client.set_scopes(["openid", "profile", "email"])
    client.set_default_scopes(["openid", "profile", "email"])
    client.set_redirect_uris(c["redirect_uris"])
    client.save()


if __name__ == "__main__":
    main()
