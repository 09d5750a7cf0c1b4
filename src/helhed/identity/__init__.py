"""OpenID Connect login per organisation (docs/security.md, "Log ind med OpenID Connect").

An organisation's identity broker is an allauth ``SocialApp`` (provider ``openid_connect``);
``OrganisationLogin`` says whose login it is (staff or citizens) and how its claims map to a
Helhed user, unit and role, or to an existing citizen. ``adapter.OrganisationLoginAdapter`` runs
the mapping on every login; ``provider`` makes allauth verify every ID token's signature and the
issuer named in the configuration.
"""
