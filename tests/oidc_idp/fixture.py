"""The session fixture ``oidc_idp``: the test identity provider as a real HTTP server process.

Import it into a conftest (``from tests.oidc_idp.fixture import oidc_idp``). It generates an RSA
key, creates the provider's SQLite database in a temporary folder with two users and Helhed's
confidential client, starts ``runserver --noreload`` on a free loopback port and waits until the
discovery document answers. ``IdP.sign_in`` walks the provider's login form over HTTP (as a
browser would, without one) and returns the redirect to Helhed's callback with code and state.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "helhed-test"
CLIENT_SECRET = "helhed-test-secret-" + os.urandom(8).hex()
PASSWORD = "idp-adgangskode-42"
SUBSTANTIAL = "https://data.gov.dk/concept/core/nsis/loa/Substantial"
LOW = "https://data.gov.dk/concept/core/nsis/loa/Low"
CPR_CLAIM = "dk:gov:saml:attribute:CprNumberIdentifier"
USERS = ("kirsten", "bo", "borger", "ukendt")


def new_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class IdP:
    url: str  # the issuer
    folder: Path
    key_pem: str
    claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    def set_claims(self, username: str, **claims: Any) -> None:
        """What the provider says about ``username`` from the next token on."""
        self.claims[username] = claims
        (self.folder / "claims.json").write_text(json.dumps(self.claims))

    def allow_redirect(self, uri: str) -> None:
        """Register one more redirect URI for Helhed's client (e.g. the live server's)."""
        with sqlite3.connect(self.folder / "idp.sqlite3") as db:
            (uris,) = db.execute(
                "SELECT redirect_uris FROM allauth_idp_oidc_client WHERE id = ?", (CLIENT_ID,)
            ).fetchone()
            if uri not in uris.split("\n"):
                db.execute(
                    "UPDATE allauth_idp_oidc_client SET redirect_uris = ? WHERE id = ?",
                    (uris + "\n" + uri, CLIENT_ID),
                )

    def sign_in(self, authorize_url: str, username: str, password: str = PASSWORD) -> str:
        """Follow the authorisation request through the provider's login form; return the
        ``Location`` the provider sends the browser to (Helhed's callback)."""
        s = requests.Session()
        r = s.get(authorize_url, allow_redirects=False, timeout=10)
        assert r.status_code == 302, r.text[:500]
        login_url = urljoin(self.url, r.headers["Location"])
        s.get(login_url, timeout=10)
        r = s.post(
            login_url,
            data={
                "login": username,
                "password": password,
                "csrfmiddlewaretoken": s.cookies["csrftoken"],
            },
            headers={"Referer": login_url},
            allow_redirects=False,
            timeout=10,
        )
        assert r.status_code == 302, r.text[:500]
        r = s.get(urljoin(self.url, r.headers["Location"]), allow_redirects=False, timeout=10)
        assert r.status_code == 302, r.text[:500]
        return str(r.headers["Location"])


def _env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "tests.oidc_idp.settings"
    env["HELHED_IDP_DIR"] = str(folder)
    env["HELHED_IDP_CLAIMS"] = str(folder / "claims.json")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


@pytest.fixture(scope="session")
def oidc_idp() -> Iterator[IdP]:
    with tempfile.TemporaryDirectory(prefix="helhed-idp-") as tmp:
        folder = Path(tmp)
        key_pem = new_key_pem()
        (folder / "key.pem").write_text(key_pem)
        (folder / "claims.json").write_text("{}")
        env = _env(folder)
        spec = {
            "users": dict.fromkeys(USERS, PASSWORD),
            "client": {
                "id": CLIENT_ID,
                "secret": CLIENT_SECRET,
                "redirect_uris": ["http://testserver/log-ind/oidc/kommune/callback/"],
            },
        }
        subprocess.run(
            [sys.executable, str(ROOT / "tests/oidc_idp/setup_idp.py"), json.dumps(spec)],
            env=env,
            cwd=ROOT,
            check=True,
        )
        port = free_port()
        log = (folder / "server.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(url, server, folder)
            yield IdP(url=url, folder=folder, key_pem=key_pem)
        finally:
            server.terminate()
            server.wait(timeout=10)
            log.close()


def _wait_until_up(url: str, server: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError((folder / "server.log").read_text())
        try:
            if requests.get(f"{url}/.well-known/openid-configuration", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        "the test identity provider did not start: " + (folder / "server.log").read_text()
    )
