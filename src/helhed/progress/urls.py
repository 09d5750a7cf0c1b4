from django.urls import path

from helhed.progress import views

app_name = "progress"

urlpatterns = [
    path("mig/progression/", views.my_progress, name="my_progress"),
    path(
        "mig/progression/<uuid:course_id>/<slug:instrument>/",
        views.my_measure,
        name="my_measure",
    ),
    path("forloeb/<uuid:course_id>/progression/", views.course_progress, name="course_progress"),
    path(
        "forloeb/<uuid:course_id>/progression/maaleplan/",
        views.course_schedule,
        name="course_schedule",
    ),
    path(
        "forloeb/<uuid:course_id>/progression/maaleplan/<uuid:schedule_id>/fjern/",
        views.course_schedule_end,
        name="course_schedule_end",
    ),
    path(
        "forloeb/<uuid:course_id>/progression/<slug:instrument>/",
        views.course_measure,
        name="course_measure",
    ),
    path("progression/indsatser/", views.initiatives, name="initiatives"),
    path("progression/indsatser/<uuid:initiative_id>/", views.dashboard, name="dashboard"),
    path(
        "progression/indsatser/<uuid:initiative_id>/rettidighed/",
        views.dashboard_timeliness,
        name="dashboard_timeliness",
    ),
    path("progression/indsatser/<uuid:initiative_id>/udtraek/", views.export, name="export"),
]
