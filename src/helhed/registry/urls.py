from django.urls import path

from helhed.registry import views, views_io

app_name = "registry"

urlpatterns = [
    path("register/", views.initiative_list, name="initiative_list"),
    path("register/ny/", views.initiative_create, name="initiative_create"),
    path("register/vurder/", views.initiative_preview, name="initiative_preview"),
    path("register/kategorier/", views.matrix, name="matrix"),
    path("register/fordeling/", views.distribution, name="distribution"),
    path("register/eksport.<str:fmt>", views_io.export, name="export"),
    path("register/import/", views_io.import_view, name="import"),
    path("register/<uuid:initiative_id>/", views.initiative_detail, name="initiative_detail"),
    path("register/<uuid:initiative_id>/rediger/", views.initiative_edit, name="initiative_edit"),
]
