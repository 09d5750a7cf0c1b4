"""The subscriptions' signing secrets: made, shown once, kept encrypted.

Standard Webhooks signs with the secret itself (HMAC-SHA256), so Helhed must be able to read it:
it is stored encrypted with Fernet (``cryptography``, already a dependency of allauth's OpenID
provider) under a key derived from ``HELHED_WEBHOOKS_KEY`` (default: ``SECRET_KEY``). A
database copy alone does not reveal the secrets; changing the key makes the stored ones
unreadable (the subscriptions must then be made again)."""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    material = (settings.HELHED_WEBHOOKS_KEY or settings.SECRET_KEY).encode()
    digest = hashlib.sha256(b"helhed.webhooks.secret:" + material).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
