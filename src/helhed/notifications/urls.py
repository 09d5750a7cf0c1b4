from django.urls import path

from helhed.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifikationer/", views.notification_list, name="list"),
    path("notifikationer/antal/", views.unread_badge, name="badge"),
    path("notifikationer/laest/", views.notification_read_all, name="read_all"),
    path("notifikationer/<uuid:notification_id>/", views.notification_open, name="open"),
]
