from django.urls import path

from helhed.economics import views

app_name = "economics"

urlpatterns = [
    path("oekonomi/", views.index, name="index"),
    path("oekonomi/priser/", views.price_list, name="prices"),
    path("oekonomi/priser/ny/", views.price_new, name="price_new"),
    path("oekonomi/priser/<uuid:price_id>/", views.price_detail, name="price"),
    path("oekonomi/priser/<uuid:price_id>/rediger/", views.price_edit, name="price_edit"),
    path("oekonomi/priser/<uuid:price_id>/kopier/", views.price_copy, name="price_copy"),
    path("oekonomi/indsatser/<uuid:initiative_id>/", views.initiative, name="initiative"),
    path(
        "oekonomi/indsatser/<uuid:initiative_id>/business-case/ny/",
        views.case_new,
        name="case_new",
    ),
    path(
        "oekonomi/indsatser/<uuid:initiative_id>/kontrakt/ny/",
        views.contract_new,
        name="contract_new",
    ),
    path("oekonomi/business-case/<uuid:case_id>/", views.case_detail, name="case"),
    path("oekonomi/business-case/<uuid:case_id>/rediger/", views.case_edit, name="case_edit"),
    path(
        "oekonomi/business-case/<uuid:case_id>/historik/", views.case_history, name="case_history"
    ),
    path("oekonomi/business-case/<uuid:case_id>/xlsx/", views.case_xlsx, name="case_xlsx"),
    path("oekonomi/kontrakt/<uuid:contract_id>/", views.contract_detail, name="contract"),
    path(
        "oekonomi/kontrakt/<uuid:contract_id>/rediger/", views.contract_edit, name="contract_edit"
    ),
    path(
        "oekonomi/kontrakt/<uuid:contract_id>/opgoerelse/",
        views.contract_report,
        name="contract_report",
    ),
    path(
        "oekonomi/kontrakt/<uuid:contract_id>/opgoerelse/xlsx/",
        views.contract_report_xlsx,
        name="contract_report_xlsx",
    ),
    path(
        "oekonomi/kontrakt/<uuid:contract_id>/historik/",
        views.contract_history,
        name="contract_history",
    ),
    path("forloeb/<uuid:course_id>/oekonomi/", views.course, name="course"),
    path("forloeb/<uuid:course_id>/oekonomi/sektion/", views.course_section, name="course_section"),
    path("forloeb/<uuid:course_id>/oekonomi/udgift/", views.cost_add, name="cost_add"),
    path(
        "forloeb/<uuid:course_id>/oekonomi/udgift/<uuid:cost_id>/slet/",
        views.cost_delete,
        name="cost_delete",
    ),
    path("forloeb/<uuid:course_id>/oekonomi/kontrakt/", views.course_enrol, name="enrol"),
    path(
        "forloeb/<uuid:course_id>/oekonomi/resultat/<uuid:result_id>/",
        views.result_override,
        name="override",
    ),
]
