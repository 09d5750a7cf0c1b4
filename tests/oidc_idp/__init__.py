"""A real OpenID Connect provider for the tests (never part of the product).

A second, separate Django project built on ``allauth.idp.oidc``: its own settings, its own SQLite
file in a temporary directory, its own RSA key generated when the test run starts. The fixture in
``tests/oidc_idp/fixture.py`` starts it as an HTTP server process on 127.0.0.1 and registers
Helhed as a confidential client. What a user's token says (unit code, role, CPR, ``acr``) comes
from a JSON file the tests write (``HELHED_IDP_CLAIMS``), read on every token request.
"""
