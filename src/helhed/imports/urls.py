from django.urls import path

from helhed.imports import views

app_name = "imports"

urlpatterns = [
    path("import/", views.job_list, name="list"),
    path("import/ny/", views.upload, name="upload"),
    path("import/<uuid:job_id>/", views.job_detail, name="job"),
    path("import/<uuid:job_id>/start/", views.job_start, name="start"),
    path("import/<uuid:job_id>/annuller/", views.job_cancel, name="cancel"),
    path("import/<uuid:job_id>/fremdrift/", views.job_progress, name="progress"),
]
