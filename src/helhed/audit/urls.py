from django.urls import path

from helhed.audit import views

app_name = "audit"

urlpatterns = [
    path("adgangslog/", views.supervision, name="supervision"),
    path("mig/adgangslog/", views.my_log, name="my_log"),
]
