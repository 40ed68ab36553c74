from core.organisation_views import OrganisationEditView, OrganisationTeamView

from ..forms import CommissionerDetailsForm
from ..permissions import commissioner_policy
from ..services import organisations as services


class CommissionerTeamView(OrganisationTeamView):
    policy = commissioner_policy
    edit_url_name = "commissioning:edit"


class CommissionerEditView(OrganisationEditView):
    policy = commissioner_policy
    form_class = CommissionerDetailsForm
    team_url_name = "commissioning:team"

    def perform(self, form):
        self.object = services.commissioner_update(
            commissioner=self.object, actor=self.request.user, **form.cleaned_data
        )
