from django.urls import path

from helhed.courses import views, views_citizen, views_print

app_name = "courses"

urlpatterns = [
    # Coordinator's and professionals' workspace (views.py)
    path("forloeb/", views.course_list, name="course_list"),
    path("forloeb/visitation/", views.intake, name="intake"),
    path("forloeb/<uuid:course_id>/", views.course_detail, name="course_detail"),
    path("forloeb/<uuid:course_id>/status/", views.course_status, name="course_status"),
    path(
        "forloeb/<uuid:course_id>/koordinator/", views.change_coordinator, name="change_coordinator"
    ),
    path("forloeb/visitation/anmodning/", views.join_request, name="join_request"),
    path(
        "forloeb/<uuid:course_id>/anmodninger/<uuid:request_id>/",
        views.join_answer,
        name="join_answer",
    ),
    path("forloeb/<uuid:course_id>/samtykke/", views.consent_create, name="consent_create"),
    path(
        "forloeb/<uuid:course_id>/samtykke/<uuid:consent_id>/tilbagekald/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("forloeb/<uuid:course_id>/team/", views.team_add, name="team_add"),
    path("forloeb/<uuid:course_id>/team/<uuid:member_id>/afslut/", views.team_end, name="team_end"),
    path("forloeb/<uuid:course_id>/uden-samtykke/", views.without_consent, name="without_consent"),
    path("forloeb/uden-samtykke/", views.without_consent_review, name="without_consent_review"),
    path(
        "forloeb/uden-samtykke/<uuid:access_id>/gennemgaa/",
        views.without_consent_review_save,
        name="without_consent_review_save",
    ),
    path("forloeb/<uuid:course_id>/plan/", views.plan_edit, name="plan_edit"),
    path("forloeb/<uuid:course_id>/plan/maal/", views.goal_edit, name="goal_add"),
    path("forloeb/<uuid:course_id>/plan/maal/<uuid:goal_id>/", views.goal_edit, name="goal_edit"),
    path(
        "forloeb/<uuid:course_id>/plan/maal/<uuid:goal_id>/delmaal/",
        views.subgoal_add,
        name="subgoal_add",
    ),
    path("forloeb/<uuid:course_id>/plan/indsatser/", views.measure_edit, name="measure_add"),
    path(
        "forloeb/<uuid:course_id>/plan/indsatser/<uuid:measure_id>/",
        views.measure_edit,
        name="measure_edit",
    ),
    path("forloeb/<uuid:course_id>/plan/krav/", views.demand_edit, name="demand_add"),
    path(
        "forloeb/<uuid:course_id>/plan/krav/<uuid:demand_id>/",
        views.demand_edit,
        name="demand_edit",
    ),
    path("forloeb/<uuid:course_id>/plan/modstrid/", views.conflict_mark, name="conflict_mark"),
    path(
        "forloeb/<uuid:course_id>/plan/modstrid/<uuid:conflict_id>/loes/",
        views.conflict_resolve,
        name="conflict_resolve",
    ),
    path("forloeb/<uuid:course_id>/plan/aftaler/", views.appointment_edit, name="appointment_add"),
    path(
        "forloeb/<uuid:course_id>/plan/aftaler/<uuid:appointment_id>/",
        views.appointment_edit,
        name="appointment_edit",
    ),
    path("forloeb/<uuid:course_id>/plan/versioner/", views.versions, name="versions"),
    path(
        "forloeb/<uuid:course_id>/plan/versioner/<int:number>/gendan/",
        views.version_restore,
        name="version_restore",
    ),
    # Register once, view per law (views_print.py): law is min-plan, sel-141 or barnets-plan
    path(
        "forloeb/<uuid:course_id>/udskrift/<slug:law>/", views_print.print_view, name="print_view"
    ),
    # The citizen's own pages (views_citizen.py)
    path("mig/plan/", views_citizen.my_plan, name="my_plan"),
    path("mig/samtykke/", views_citizen.my_consents, name="my_consents"),
    path(
        "mig/samtykke/<uuid:consent_id>/tilbagekald/",
        views_citizen.my_consent_withdraw,
        name="my_consent_withdraw",
    ),
]
