from core.organisation_views import OrganisationEditView, OrganisationTeamView

from . import services
from .forms import ProviderDetailsForm
from .permissions import provider_policy


class ProviderTeamView(OrganisationTeamView):
    policy = provider_policy
    edit_url_name = "providers:edit"


class ProviderEditView(OrganisationEditView):
    policy = provider_policy
    form_class = ProviderDetailsForm
    team_url_name = "providers:team"

    def perform(self, form):
        self.object = services.provider_update(
            provider=self.object, actor=self.request.user, **form.cleaned_data
        )
