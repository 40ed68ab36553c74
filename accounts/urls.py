from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

# API keys: issue (the key is shown once), list, revoke.
from . import views_api_keys  # noqa: E402

urlpatterns += [
    path("api-keys/", views_api_keys.ApiKeyListView.as_view(), name="api_keys"),
    path("api-keys/new/", views_api_keys.ApiKeyIssueView.as_view(), name="api_key_issue"),
    path(
        "api-keys/issued/",
        views_api_keys.ApiKeyIssuedView.as_view(),
        name="api_key_issued",
    ),
    path(
        "api-keys/<int:pk>/revoke/",
        views_api_keys.ApiKeyRevokeView.as_view(),
        name="api_key_revoke",
    ),
]
