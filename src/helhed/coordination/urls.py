from django.urls import path

from helhed.coordination import views

app_name = "coordination"

urlpatterns = [
    path("samarbejde/", views.index, name="index"),
    path("samarbejde/maalinger/ny/", views.wave_new, name="wave_new"),
    path("samarbejde/maalinger/<uuid:wave_id>/", views.wave_detail, name="wave_detail"),
    path("samarbejde/maalinger/<uuid:wave_id>/luk/", views.wave_close, name="wave_close"),
    path(
        "samarbejde/maalinger/<uuid:wave_id>/handling/<slug:action>/",
        views.wave_action,
        name="wave_action",
    ),
    path("samarbejde/maalinger/<uuid:wave_id>/resultater/", views.results, name="results"),
    path("samarbejde/maalinger/<uuid:wave_id>/netvaerk/", views.structure, name="structure"),
    path("samarbejde/maalinger/<uuid:wave_id>/rettidighed/", views.flow, name="flow"),
    path("samarbejde/maalinger/<uuid:wave_id>/udtraek/", views.export, name="export"),
    path("samarbejde/svar/<uuid:wave_id>/", views.answer_start, name="answer_start"),
    path("samarbejde/svar/<uuid:wave_id>/indsend/", views.answer_submit, name="answer_submit"),
    path("samarbejde/svar/<uuid:wave_id>/<slug:group>/", views.answer_group, name="answer_group"),
    path("samarbejde/faggrupper/", views.workgroup_list, name="workgroups"),
    path("samarbejde/faggrupper/placering/", views.classification, name="classification"),
]
