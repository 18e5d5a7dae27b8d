from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password"),
    path("settings/", views.settings_home, name="settings"),
    path("settings/users/", views.users, name="users"),
    path("settings/users/<int:pk>/role/", views.user_role, name="user_role"),
    path("settings/users/<int:pk>/active/", views.user_active, name="user_active"),
    path("settings/invitations/", views.invite, name="invite"),
    path("settings/invitations/<int:pk>/revoke/", views.invite_revoke, name="invite_revoke"),
    path("settings/invitations/<int:pk>/resend/", views.invite_resend, name="invite_resend"),
    path("invite/<uuid:token>/", views.accept, name="accept"),
    path("settings/organization/", views.organization, name="organization"),
    path("employer/", views.employer, name="employer"),
    path("sites/", views.sites, name="sites"),
    path("sites/new/", views.site_create, name="site_create"),
    path("sites/<int:pk>/", views.site_edit, name="site_edit"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
