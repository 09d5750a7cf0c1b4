"""The operations endpoints: health probes and the metrics scrape (docs/operations.md)."""

from django.urls import path

from helhed.ops import views

app_name = "ops"

urlpatterns = [
    path("sundhed/live", views.live, name="live"),
    path("sundhed/klar", views.ready, name="ready"),
    path("metrics", views.scrape, name="metrics"),
]
