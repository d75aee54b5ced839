from django.urls import path

from qudao.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("notifications/", views.notification_list, name="notifications"),
    path("import-errors.xlsx", views.import_error_report, name="import_error_report"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification_read",
    ),
]
