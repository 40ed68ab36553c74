"""The forms of staff's pages about people's accounts (accounts.views_staff). They find the
person and the organisation by what staff know (an email address, a registered name); the
services apply the rules."""

from django import forms

from core.forms import GovukFormMixin

from .choices import COMMISSIONER_ROLES, PROVIDER_ROLES, Role
from .models import User

NO_ROLE = "none"
REASON_HINT = "Kept in the audit log with the change, for example the ticket or email that asked"


def _reason_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=REASON_HINT,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason"},
    )


class PersonForm(GovukFormMixin, forms.Form):
    email = forms.EmailField(
        label="The person's email address",
        error_messages={
            "required": "Enter the person's email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )

    def clean_email(self):
        email = self.cleaned_data["email"]
        self.person = (
            User.objects.select_related("commissioner", "provider")
            .filter(email__iexact=email)
            .first()
        )
        if self.person is None:
            raise forms.ValidationError("No account has this email address")
        return email


class PersonRoleForm(PersonForm):
    role = forms.ChoiceField(
        label="Their new role",
        choices=[*Role.choices, (NO_ROLE, "No role: platform staff, or between organisations")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the person's new role"},
    )
    organisation = forms.CharField(
        label="Their organisation",
        required=False,
        max_length=200,
        help_text="The commissioner's or provider's name, as registered. Leave it empty for "
        "no role",
    )
    reason = _reason_field("Why is their role changing?")

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        name = (cleaned.get("organisation") or "").strip()
        cleaned["role"] = "" if role == NO_ROLE else role
        cleaned["organisation_record"] = None
        if role in COMMISSIONER_ROLES or role in PROVIDER_ROLES:
            from commissioning.models import CommissionerOrganisation
            from providers.models import ProviderOrganisation

            kind, model = (
                ("commissioner", CommissionerOrganisation)
                if role in COMMISSIONER_ROLES
                else ("provider", ProviderOrganisation)
            )
            if not name:
                self.add_error("organisation", f"Enter the name of the {kind} they work for")
            else:
                found = model.objects.filter(name__iexact=name).first()
                if found is None:
                    self.add_error("organisation", f"No {kind} is registered as {name}")
                cleaned["organisation_record"] = found
        elif role == NO_ROLE and name:
            self.add_error("organisation", "Leave the organisation empty for no role")
        return cleaned


class PersonEraseForm(PersonForm):
    reason = _reason_field("Why are their details being erased?")
