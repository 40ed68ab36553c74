"""The pages every organisation has, whichever side of the market it is on: its team and
its details. Each app binds them to its own model, policy and service."""

from django.views.generic import DetailView, UpdateView

from accounts.selectors import team_members

from .permissions import Action
from .views import RecordAccessMixin, ServiceFormMixin


class OrganisationTeamView(RecordAccessMixin, DetailView):
    template_name = "organisations/team.html"
    context_object_name = "organisation"
    edit_url_name: str

    def get_context_data(self, **kwargs):
        organisation = self.object
        return super().get_context_data(
            **kwargs,
            members=team_members(organisation=organisation),
            can_change=self.policy.can(self.request.user, organisation, Action.CHANGE),
            edit_url_name=self.edit_url_name,
        )


class OrganisationEditView(RecordAccessMixin, ServiceFormMixin, UpdateView):
    template_name = "organisations/edit.html"
    context_object_name = "organisation"
    action = Action.CHANGE
    success_message = "Your organisation's details have been saved"
    team_url_name: str

    def get_success_url(self):
        from django.urls import reverse

        return reverse(self.team_url_name, args=[self.object.pk])

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, team_url_name=self.team_url_name)
