"""Top-level URLs: each app's pages, the API, language switching and the admin."""

from django.contrib import admin
from django.urls import include, path

from helhed.api import api

admin.site.site_header = "Helhed – administration"
admin.site.site_title = "Helhed"

urlpatterns = [
    path("", include("helhed.core.urls")),
    path("", include("helhed.audit.urls")),
    path("", include("helhed.registry.urls")),
    path("", include("helhed.courses.urls")),
    path("", include("helhed.notifications.urls")),
    path("", include("helhed.meetings.urls")),
    path("", include("helhed.handovers.urls")),
    path("", include("helhed.progress.urls")),
    path("", include("helhed.coordination.urls")),
    path("", include("helhed.economics.urls")),
    path("", include("helhed.identity.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

handler403 = "helhed.core.errors.forbidden"
handler404 = "helhed.core.errors.not_found"
handler500 = "helhed.core.errors.server_error"
