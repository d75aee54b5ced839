from django.contrib.auth import views as auth_views
from django.urls import path

from qudao.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
