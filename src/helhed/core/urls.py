from django.urls import path

from helhed.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("log-ind/", views.LoginView.as_view(), name="login"),
    path("log-ud/", views.LogoutView.as_view(), name="logout"),
    path("organisationer/", views.organisation_list, name="organisation_list"),
    path("organisationer/<uuid:org_id>/", views.organisation_detail, name="organisation_detail"),
]
