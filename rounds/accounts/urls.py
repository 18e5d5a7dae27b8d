from django.urls import path

from . import signin_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", signin_views.LoginView.as_view(), name="login"),
    path("login/code/", signin_views.sign_in_code, name="login_code"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password"),
    path("password/reset/", signin_views.password_reset, name="password_reset"),
    path("password/reset/sent/", signin_views.password_reset_sent, name="password_reset_sent"),
    path("reset/<uidb64>/<token>/", signin_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("two-factor/", signin_views.two_factor, name="two_factor"),
    path("two-factor/set-up/", signin_views.two_factor_setup, name="two_factor_setup"),
    path("settings/", views.settings_home, name="settings"),
    path("settings/sign-in/", signin_views.sign_in_policy, name="sign_in_policy"),
    path("settings/users/", views.users, name="users"),
    path("settings/users/<int:pk>/role/", views.user_role, name="user_role"),
    path("settings/users/<int:pk>/active/", views.user_active, name="user_active"),
    path("settings/users/<int:pk>/password-reset/", signin_views.user_password_reset,
         name="user_password_reset"),
    path("settings/users/<int:pk>/two-factor-reset/", signin_views.user_two_factor_reset,
         name="user_two_factor_reset"),
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
