from django.urls import path

from . import views

app_name = "providers"

urlpatterns = [
    path("register/", views.ProviderRegisterView.as_view(), name="register"),
    path("register/check/", views.ProviderRegisterCheckView.as_view(), name="register_check"),
    path("register/sent/", views.ProviderRegisterSentView.as_view(), name="register_sent"),
    path(
        "register/confirm/<str:token>/",
        views.ProviderRegisterConfirmView.as_view(),
        name="register_confirm",
    ),
    path("register/done/", views.ProviderRegisteredView.as_view(), name="registered"),
    path("invitations/<str:token>/", views.AcceptInvitationView.as_view(), name="invitation"),
    path("<int:pk>/", views.ProviderPublicView.as_view(), name="detail"),
    path("<int:pk>/team/", views.ProviderTeamView.as_view(), name="team"),
    path("<int:pk>/team/invite/", views.InviteColleagueView.as_view(), name="invite"),
    path(
        "<int:pk>/team/invitations/<int:invitation_id>/revoke/",
        views.RevokeInvitationView.as_view(),
        name="invitation_revoke",
    ),
    path(
        "<int:pk>/team/<int:user_id>/remove/",
        views.RemoveColleagueView.as_view(),
        name="colleague_remove",
    ),
    path("<int:pk>/edit/", views.ProviderEditView.as_view(), name="edit"),
]
