"""Providers' forms. They parse and check the shape of answers; the services apply the
platform's rules (unique names and numbers, who may act, states)."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance

from accounts.choices import PROVIDER_ROLES, Role
from commissioning.models import CpvCode
from core.choices import Region
from core.errors import DomainError
from core.forms import GovukFormMixin
from core.validators import normalise_postcode, validate_postcode

from . import services
from .choices import LegalForm, ProviderKind, SizeBand
from .models import ProviderExclusion, ProviderOrganisation, identifier_problem

CHOOSING_HINT = (
    "Use at least 10 characters. Do not use a common password, only numbers, or something "
    "like your name or email address"
)


class ProviderDetailsForm(GovukFormMixin, forms.ModelForm):
    website = forms.URLField(
        required=False, assume_scheme="https", help_text="For example, https://www.example.org.uk"
    )

    class Meta:
        model = ProviderOrganisation
        fields = ["name", "size_band", "address", "postcode", "website", "capability_statement"]
        labels = {
            "name": "Organisation name",
            "size_band": "Size",
            "capability_statement": "What your organisation does",
        }
        help_texts = {
            "size_band": "Once your organisation is verified, platform staff check a change of "
            "size before it applies: it decides the lots reserved for small providers",
            "postcode": "For example, M1 1AE",
            "capability_statement": "Commissioners read this when they look for providers "
            "(up to 2,000 characters)",
        }
        widgets = {
            "size_band": forms.RadioSelect,
            "address": forms.Textarea(attrs={"rows": 3}),
            "capability_statement": forms.Textarea(attrs={"rows": 6}),
        }


class RegisterNumberField(forms.CharField):
    """An optional number on one public register, checked against that register's format."""

    def __init__(self, *, scheme, **kwargs):
        self.scheme = scheme
        super().__init__(
            required=False,
            max_length=20,
            widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
            **kwargs,
        )

    def to_python(self, value):
        return services.normalise_identifier(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        problem = value and identifier_problem(self.scheme, value)
        if problem:
            raise ValidationError(problem)


class CategoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.description


def _required(message: str) -> dict:
    return {"required": message}


class ProviderRegistrationForm(GovukFormMixin, forms.Form):
    """The one question page of registration, in five groups: the template lays them out."""

    name = forms.CharField(
        label="Organisation name",
        max_length=200,
        help_text="As it appears on Companies House or the charity register, if it is on one",
        error_messages=_required("Enter your organisation's name"),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    kind = forms.ChoiceField(
        label="What kind of organisation is it?",
        choices=ProviderKind.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select what kind of organisation it is"),
    )
    legal_form = forms.ChoiceField(
        label="Legal form",
        choices=LegalForm.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select your organisation's legal form"),
    )
    size_band = forms.ChoiceField(
        label="Size",
        help_text="Count everyone on the payroll, full or part time. Do not count volunteers",
        choices=SizeBand.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Select how many staff your organisation has"),
    )
    companies_house_number = RegisterNumberField(
        scheme=services.IDENTIFIER_FIELDS["companies_house_number"],
        label="Companies House number (optional)",
        help_text="8 characters, like 01234567 or SC123456",
    )
    charity_number = RegisterNumberField(
        scheme=services.IDENTIFIER_FIELDS["charity_number"],
        label="Charity number in England and Wales (optional)",
        help_text="6 or 7 digits, like 1234567",
    )
    scottish_charity_number = RegisterNumberField(
        scheme=services.IDENTIFIER_FIELDS["scottish_charity_number"],
        label="Scottish charity number (optional)",
        help_text="SC0 and 5 digits, like SC012345",
    )
    mutuals_number = RegisterNumberField(
        scheme=services.IDENTIFIER_FIELDS["mutuals_number"],
        label="Mutuals Public Register number (optional)",
        help_text="For co-operatives and community benefit societies, like 12345R or RS001234",
    )
    address = forms.CharField(
        label="Address",
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
        error_messages=_required("Enter your organisation's address"),
    )
    postcode = forms.CharField(
        label="Postcode",
        help_text="For example, M1 1AE",
        max_length=10,
        validators=[validate_postcode],
        error_messages=_required("Enter your organisation's postcode"),
        widget=forms.TextInput(
            attrs={"class": "govuk-input--width-10", "autocomplete": "postal-code"}
        ),
    )
    regions = forms.MultipleChoiceField(
        label="Which regions do you work in?",
        help_text="Select all that apply",
        choices=Region.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages=_required("Select at least one region you work in"),
    )
    categories = CategoryChoiceField(
        label="What services do you provide?",
        help_text="Select all that apply. Commissioners find providers by these",
        queryset=CpvCode.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages=_required("Select at least one kind of service you provide"),
    )
    capability_statement = forms.CharField(
        label="What your organisation does",
        help_text="A short description commissioners read when they look for providers "
        "(up to 2,000 characters)",
        max_length=services.CAPABILITY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=_required("Describe what your organisation does"),
    )
    admin_full_name = forms.CharField(
        label="Your full name",
        max_length=150,
        error_messages=_required("Enter your full name"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    admin_email = forms.EmailField(
        label="Your email address",
        help_text="You will sign in with this",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Create a password",
        help_text=CHOOSING_HINT,
        strip=False,
        error_messages=_required("Create a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirmation = forms.CharField(
        label="Confirm your password",
        strip=False,
        error_messages=_required("Enter the password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    SECTIONS = {
        "organisation": ("name", "kind", "legal_form", "size_band"),
        "numbers": (
            "companies_house_number",
            "charity_number",
            "scottish_charity_number",
            "mutuals_number",
        ),
        "address": ("address", "postcode"),
        "work": ("regions", "categories", "capability_statement"),
        "account": ("admin_full_name", "admin_email", "password", "password_confirmation"),
    }

    def __init__(self, *args, password_kept: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Back from check-your-answers, the password chosen before is kept (hashed), and
        # browsers never show it again; asking for it again would be a trap.
        self.password_kept = password_kept
        if password_kept:
            for name in ("password", "password_confirmation"):
                self.fields[name].required = False
            hint = "Leave blank to keep the password you chose. " + CHOOSING_HINT
            # The bound field copied the hint when GovukFormMixin first looked at it.
            self.fields["password"].help_text = self["password"].help_text = hint

    def clean_postcode(self):
        return normalise_postcode(self.cleaned_data["postcode"])

    def sections(self) -> dict[str, list]:
        return {key: [self[name] for name in names] for key, names in self.SECTIONS.items()}

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            if password != cleaned.get("password_confirmation"):
                self.add_error("password_confirmation", "The passwords do not match")
            else:
                try:
                    services.check_new_password(
                        password,
                        email=cleaned.get("admin_email") or "",
                        full_name=cleaned.get("admin_full_name") or "",
                    )
                except DomainError as error:
                    for message in error.field_errors["password"]:
                        self.add_error("password", message)
        return cleaned

    def answers(self) -> dict:
        """The answers as the registration service takes them, safe to keep in a session."""
        data = self.cleaned_data
        answers = {
            name: data[name]
            for names in self.SECTIONS.values()
            for name in names
            if name not in ("password", "password_confirmation", "categories")
        }
        answers["categories"] = [category.pk for category in data["categories"]]
        return answers


class InviteColleagueForm(GovukFormMixin, forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        error_messages=_required("Enter your colleague's full name"),
    )
    email = forms.EmailField(
        label="Email address",
        help_text="We will send the invitation here",
        error_messages={
            "required": "Enter your colleague's email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label="Role",
        help_text="Provider admins manage the team and the organisation's details, and bid. "
        "Bid writers ask questions and write and submit bids",
        choices=[(role.value, role.label) for role in PROVIDER_ROLES],
        initial=Role.BID_WRITER,
        widget=forms.RadioSelect,
        error_messages=_required("Select your colleague's role"),
    )


class AcceptInvitationForm(GovukFormMixin, forms.Form):
    password = forms.CharField(
        label="Create a password",
        help_text=CHOOSING_HINT,
        strip=False,
        error_messages=_required("Create a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirmation = forms.CharField(
        label="Confirm your password",
        strip=False,
        error_messages=_required("Enter the password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password and password != cleaned.get("password_confirmation"):
            self.add_error("password_confirmation", "The passwords do not match")
        return cleaned


class ConfirmForm(GovukFormMixin, forms.Form):
    """A page that asks "are you sure?" and has nothing to fill in."""


# --- platform staff, in the admin ---------------------------------------------------------


class ExclusionAdminForm(forms.ModelForm):
    class Meta:
        model = ProviderExclusion
        fields = ["provider", "reason", "starts_on", "ends_on"]
        help_texts = {
            "reason": "For example, the debarment list entry or the court judgment",
            "ends_on": "The first day the provider may bid again",
        }

    def clean(self):
        cleaned = super().clean()
        try:
            services.exclusion_check(
                reason=cleaned.get("reason", ""),
                starts_on=cleaned.get("starts_on"),
                ends_on=cleaned.get("ends_on"),
            )
        except DomainError as error:
            for field, messages in error.field_errors.items():
                for message in messages:
                    if field not in self.errors:
                        self.add_error(field, message)
        return cleaned

    def _post_clean(self):
        # Only copy the answers onto the exclusion: the service validates and saves it, with
        # who recorded it, and the model's constraint check would repeat the messages above.
        self.instance = construct_instance(self, self.instance, self._meta.fields)
