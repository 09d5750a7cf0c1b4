from django.urls import path

from helhed.gdpr import views

app_name = "gdpr"

urlpatterns = [
    path("forloeb/<uuid:course_id>/indsigt/", views.course_requests, name="course_requests"),
    path(
        "forloeb/<uuid:course_id>/indsigt/<uuid:request_id>/<str:fmt>/",
        views.course_download,
        name="course_download",
    ),
    path("mig/indsigt/", views.my_requests, name="my_requests"),
    path("mig/indsigt/<uuid:request_id>/<str:fmt>/", views.my_download, name="my_download"),
]
