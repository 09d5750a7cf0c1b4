from django.urls import path

from helhed.integrations import views

app_name = "integrations"

urlpatterns = [
    # OAuth 2 (allauth's provider): the token and revocation endpoints only. Helhed is no
    # identity provider for people: no authorize, userinfo, discovery or device endpoints.
    path("api/oauth/token", views.token, name="token"),
    path("api/oauth/revoke", views.revoke, name="revoke"),
    path("administration/integrationer/", views.client_list, name="list"),
    path("administration/integrationer/ny/", views.client_new, name="new"),
    path("administration/integrationer/<uuid:client_id>/", views.client_detail, name="detail"),
    path(
        "administration/integrationer/<uuid:client_id>/ny-hemmelighed/",
        views.client_rotate,
        name="rotate",
    ),
    path(
        "administration/integrationer/<uuid:client_id>/tilbagekald/",
        views.client_revoke,
        name="revoke_client",
    ),
]
