from django.contrib.auth import forms as auth_forms

from core.forms import GovukFormMixin


class LoginForm(GovukFormMixin, auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct email address and password. "
        "Both fields may be case-sensitive.",
        "inactive": "This account has been deactivated. Ask your organisation's admin.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "email", "spellcheck": "false"}
        )


class PasswordChangeForm(GovukFormMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordResetForm(GovukFormMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(GovukFormMixin, auth_forms.SetPasswordForm):
    pass


# --- API keys -----------------------------------------------------------------------------

from django import forms  # noqa: E402

from .choices import ApiScope  # noqa: E402
from .services import DEFAULT_LIFETIME_DAYS, MAX_LIFETIME_DAYS  # noqa: E402


class ApiKeyIssueForm(GovukFormMixin, forms.Form):
    """What an integrator's key is for, what it may do, and for how long. The service checks
    the same things again: this form only gives the page its fields and first messages."""

    name = forms.CharField(
        label="What is the key for?",
        help_text="For example, “Finance system” or “Case management sync”",
        max_length=100,
        error_messages={
            "required": "Enter what the key is for",
            "max_length": "Name must be 100 characters or fewer",
        },
    )
    scopes = forms.MultipleChoiceField(
        label="What may the key do?",
        help_text="A key never does more than you can do yourself. Select all that apply.",
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one scope"},
    )
    lifetime_days = forms.IntegerField(
        label="How many days should the key work for?",
        help_text=f"From 1 to {MAX_LIFETIME_DAYS} days. Issue a new key before this one expires.",
        initial=DEFAULT_LIFETIME_DAYS,
        min_value=1,
        max_value=MAX_LIFETIME_DAYS,
        error_messages={
            "required": "Enter how many days the key should work for",
            "invalid": "Enter the number of days as a whole number, like 365",
            "min_value": f"Enter a lifetime from 1 to {MAX_LIFETIME_DAYS} days",
            "max_value": f"Enter a lifetime from 1 to {MAX_LIFETIME_DAYS} days",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lifetime_days"].widget.attrs.update(
            {"class": "govuk-input govuk-input--width-4", "inputmode": "numeric"}
        )
        # The scopes' labels say what each allows; the code is what an integrator reads in docs.
        self.fields["scopes"].choices = [
            (value, f"{label} ({value})") for value, label in ApiScope.choices
        ]


class ApiKeyRevokeForm(GovukFormMixin, forms.Form):
    """The "are you sure?" step before a key stops working; nothing to fill in."""
