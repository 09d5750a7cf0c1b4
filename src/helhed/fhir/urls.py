from django.urls import path

from helhed.fhir import views

app_name = "fhir"

urlpatterns = [
    path("forloeb/<uuid:course_id>/fhir/", views.course_bundle, name="course_bundle"),
    path("fhir/eksport/", views.exports, name="exports"),
    path("fhir/eksport/<uuid:export_id>/", views.export_status, name="export_status"),
    path("fhir/eksport/<uuid:export_id>/hent/", views.export_download, name="export_download"),
]
