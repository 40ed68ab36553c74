from django.urls import path

from .views import escalation as views

app_name = "escalation"

urlpatterns = [
    path("escalations/", views.PendingProposalListView.as_view(), name="pending"),
    path(
        "contracts/<int:contract_id>/escalation/",
        views.ContractEscalationView.as_view(),
        name="contract",
    ),
    path(
        "contracts/<int:contract_id>/escalation/thresholds/",
        views.ThresholdsView.as_view(),
        name="thresholds",
    ),
    path(
        "contracts/<int:contract_id>/escalation/decide/",
        views.StepRecordView.as_view(),
        name="record_step",
    ),
    path(
        "contracts/<int:contract_id>/escalation/proposals/<int:proposal_id>/confirm/",
        views.ProposalConfirmView.as_view(),
        name="confirm",
    ),
    path(
        "contracts/<int:contract_id>/escalation/proposals/<int:proposal_id>/override/",
        views.ProposalOverrideView.as_view(),
        name="override",
    ),
    path(
        "provider/escalations/",
        views.ProviderEscalationListView.as_view(),
        name="provider_list",
    ),
    path(
        "provider/escalations/<int:step_id>/plan/",
        views.ImprovementPlanSubmitView.as_view(),
        name="plan",
    ),
]
