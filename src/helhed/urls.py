"""Top-level URLs: each app's pages, the API, language switching and the admin."""

from django.contrib import admin
from django.urls import include, path

from helhed.api import api
from helhed.core import views as core_views

admin.site.site_header = "Helhed – administration"
admin.site.site_title = "Helhed"

urlpatterns = [
    path("", include("helhed.core.urls")),
    # allauth's pages under /konto/ (password change and reset, two factors, OIDC callbacks).
    # Its login and logout are the application's one login page and logout (core:login,
    # core:logout): the names allauth reverses are given again below the include, because
    # reverse() takes the last pattern of a name, so every link allauth makes leads there.
    path("konto/", include("allauth.urls")),
    path("log-ind/", core_views.LoginView.as_view(), name="account_login"),
    path("log-ud/", core_views.LogoutView.as_view(), name="account_logout"),
    path("", include("helhed.audit.urls")),
    path("", include("helhed.registry.urls")),
    path("", include("helhed.courses.urls")),
    path("", include("helhed.notifications.urls")),
    path("", include("helhed.meetings.urls")),
    path("", include("helhed.handovers.urls")),
    path("", include("helhed.progress.urls")),
    path("", include("helhed.coordination.urls")),
    path("", include("helhed.economics.urls")),
    path("", include("helhed.gdpr.urls")),
    path("", include("helhed.fhir.urls")),
    path("", include("helhed.imports.urls")),
    path("", include("helhed.identity.urls")),
    path("", include("helhed.integrations.urls")),  # /api/oauth/token, the clients' admin
    path("", include("helhed.ops.urls")),  # health probes and /metrics (no login)
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

handler403 = "helhed.core.errors.forbidden"
handler404 = "helhed.core.errors.not_found"
handler500 = "helhed.core.errors.server_error"
