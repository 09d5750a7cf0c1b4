"""The URLs allauth mounts for Helhed's provider class (``HelhedOIDCProvider.package``): none.

allauth's ``allauth.urls`` includes ``<provider package>.urls`` for every provider. Helhed's login
and callback live at ``/log-ind/oidc/<id>/`` (``helhed.identity.urls``); allauth's own OpenID
Connect views under ``/konto/`` would run the flow without Helhed's checks (the ID token's
signature, the configured issuer), so they are not mounted at all.
"""
