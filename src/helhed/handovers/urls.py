from django.urls import path

from helhed.handovers import views

app_name = "handovers"

urlpatterns = [
    path("overdragelser/", views.overview, name="overview"),
    path("overdragelser/<uuid:handover_id>/", views.handover_detail, name="detail"),
    path(
        "overdragelser/<uuid:handover_id>/ny-aftale/",
        views.handover_reschedule,
        name="reschedule",
    ),
    path(
        "overdragelser/<uuid:handover_id>/<slug:action>/",
        views.handover_action,
        name="action",
    ),
    path(
        "forloeb/<uuid:course_id>/overdragelser/",
        views.course_section,
        name="course_section",
    ),
    path(
        "forloeb/<uuid:course_id>/overdragelser/ny/",
        views.handover_create,
        name="create",
    ),
    path("forloeb/<uuid:course_id>/ophold/ny/", views.stay_create, name="stay_create"),
    path("ophold/<uuid:stay_id>/afslut/", views.stay_end, name="stay_end"),
]
