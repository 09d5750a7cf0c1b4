from django.urls import path

from helhed.courses.views import (
    caseload,
    citizen,
    consent_evidence,
    detail,
    intake,
    plan,
    printing,
    referral,
    team,
    without_consent,
)

app_name = "courses"

urlpatterns = [
    # Coordinator's and professionals' workspace (views/)
    path("forloeb/", caseload.course_list, name="course_list"),
    path("forloeb/visitation/", intake.intake, name="intake"),
    path("forloeb/<uuid:course_id>/", detail.course_detail, name="course_detail"),
    # The course page's sub-pages (tabs, views/detail.py); other apps' tabs are their own pages
    path("forloeb/<uuid:course_id>/plan/", detail.course_plan, name="course_plan"),
    path("forloeb/<uuid:course_id>/krav/", detail.course_demands, name="course_demands"),
    path(
        "forloeb/<uuid:course_id>/aftaler/", detail.course_appointments, name="course_appointments"
    ),
    path("forloeb/<uuid:course_id>/historik/", detail.course_history, name="course_history"),
    path("forloeb/<uuid:course_id>/status/", team.course_status, name="course_status"),
    path(
        "forloeb/<uuid:course_id>/begraensning/",
        team.course_restriction,
        name="course_restriction",
    ),
    path(
        "forloeb/<uuid:course_id>/koordinator/", team.change_coordinator, name="change_coordinator"
    ),
    path("forloeb/visitation/anmodning/", intake.join_request, name="join_request"),
    path("forloeb/henvisning/", referral.referral, name="referral"),
    path(
        "forloeb/<uuid:course_id>/anmodninger/<uuid:request_id>/",
        intake.join_answer,
        name="join_answer",
    ),
    path("forloeb/<uuid:course_id>/samtykke/", team.consent_create, name="consent_create"),
    path(
        "forloeb/<uuid:course_id>/samtykke/<uuid:consent_id>/tilbagekald/",
        team.consent_withdraw,
        name="consent_withdraw",
    ),
    # Consent with evidence (issue 15, views/consent_evidence.py)
    path(
        "forloeb/<uuid:course_id>/samtykke/<uuid:consent_id>/dokument/",
        consent_evidence.consent_document_upload,
        name="consent_document_upload",
    ),
    path(
        "forloeb/<uuid:course_id>/samtykke/<uuid:consent_id>/dokument/hent/",
        consent_evidence.consent_document_download,
        name="consent_document_download",
    ),
    path(
        "forloeb/<uuid:course_id>/samtykke/<uuid:consent_id>/ret/",
        consent_evidence.consent_change,
        name="consent_change",
    ),
    path("forloeb/<uuid:course_id>/team/", team.team_add, name="team_add"),
    path("forloeb/<uuid:course_id>/team/<uuid:member_id>/afslut/", team.team_end, name="team_end"),
    path(
        "forloeb/<uuid:course_id>/uden-samtykke/",
        without_consent.without_consent,
        name="without_consent",
    ),
    path(
        "forloeb/uden-samtykke/",
        without_consent.without_consent_review,
        name="without_consent_review",
    ),
    path(
        "forloeb/uden-samtykke/<uuid:access_id>/gennemgaa/",
        without_consent.without_consent_review_save,
        name="without_consent_review_save",
    ),
    path("forloeb/<uuid:course_id>/plan/tekst/", plan.plan_edit, name="plan_edit"),
    path("forloeb/<uuid:course_id>/plan/maal/", plan.goal_edit, name="goal_add"),
    path(
        "forloeb/<uuid:course_id>/plan/barn/<uuid:child_id>/perspektiv/",
        plan.child_perspective_edit,
        name="child_perspective_edit",
    ),
    path("forloeb/<uuid:course_id>/plan/maal/<uuid:goal_id>/", plan.goal_edit, name="goal_edit"),
    path(
        "forloeb/<uuid:course_id>/plan/maal/<uuid:goal_id>/delmaal/",
        plan.subgoal_add,
        name="subgoal_add",
    ),
    path("forloeb/<uuid:course_id>/plan/indsatser/", plan.measure_edit, name="measure_add"),
    path(
        "forloeb/<uuid:course_id>/plan/indsatser/<uuid:measure_id>/",
        plan.measure_edit,
        name="measure_edit",
    ),
    path("forloeb/<uuid:course_id>/plan/krav/", plan.demand_edit, name="demand_add"),
    path(
        "forloeb/<uuid:course_id>/plan/krav/<uuid:demand_id>/",
        plan.demand_edit,
        name="demand_edit",
    ),
    path("forloeb/<uuid:course_id>/plan/modstrid/", plan.conflict_mark, name="conflict_mark"),
    path(
        "forloeb/<uuid:course_id>/plan/modstrid/<uuid:conflict_id>/loes/",
        plan.conflict_resolve,
        name="conflict_resolve",
    ),
    path("forloeb/<uuid:course_id>/plan/aftaler/", plan.appointment_edit, name="appointment_add"),
    path(
        "forloeb/<uuid:course_id>/plan/aftaler/<uuid:appointment_id>/",
        plan.appointment_edit,
        name="appointment_edit",
    ),
    path("forloeb/<uuid:course_id>/plan/versioner/", plan.versions, name="versions"),
    path(
        "forloeb/<uuid:course_id>/plan/versioner/<int:number>/gendan/",
        plan.version_restore,
        name="version_restore",
    ),
    # Register once, view per law (views/printing.py): law is min-plan, sel-141 or barnets-plan
    path("forloeb/<uuid:course_id>/udskrift/<slug:law>/", printing.print_view, name="print_view"),
    # The citizen's own pages (views/citizen.py)
    path("mig/plan/", citizen.my_plan, name="my_plan"),
    path("mig/samtykke/", citizen.my_consents, name="my_consents"),
    path(
        "mig/samtykke/<uuid:consent_id>/tilbagekald/",
        citizen.my_consent_withdraw,
        name="my_consent_withdraw",
    ),
    path(
        "mig/samtykke/<uuid:consent_id>/bekraeft/",
        consent_evidence.my_consent_confirm,
        name="my_consent_confirm",
    ),
]
