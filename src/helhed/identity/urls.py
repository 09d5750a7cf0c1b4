from django.urls import path

from helhed.identity import views

app_name = "identity"

urlpatterns = [
    path("log-ind/oidc/<slug:provider_id>/", views.oidc_login, name="oidc_login"),
    path("log-ind/oidc/<slug:provider_id>/callback/", views.oidc_callback, name="oidc_callback"),
]
