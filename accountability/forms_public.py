"""The citizens' complaint form, one question page at a time, and the tracking forms."""

from django import forms
from django.core.exceptions import ValidationError

from core.forms import GovukFormMixin
from core.inputs import validate_single_line
from core.validators import normalise_postcode, validate_postcode

from .choices import ComplaintCategory
from .services.complaints import MAX_DESCRIPTION_CHARS, MAX_STAGE2_REASON_CHARS

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d %m %Y", "%Y-%m-%d"]


class FindServiceForm(GovukFormMixin, forms.Form):
    q = forms.CharField(
        label="Service, provider or area",
        help_text="For example, home care, the provider's name, a postcode or a region",
        max_length=100,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].error_messages["required"] = "Enter a service, provider or area"


class ChooseServiceForm(GovukFormMixin, forms.Form):
    contract = forms.TypedChoiceField(
        label="Which service is your complaint about?",
        widget=forms.RadioSelect,
        coerce=int,
        error_messages={"required": "Select the service your complaint is about"},
    )

    def __init__(self, *args, contracts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [
            (c.pk, f"{c.title} – {c.provider.name}, for {c.commissioner.name}") for c in contracts
        ]


class WhatWentWrongForm(GovukFormMixin, forms.Form):
    category = forms.ChoiceField(
        label="What kind of problem was it?",
        choices=ComplaintCategory.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of problem it was"},
    )
    description = forms.CharField(
        label="What went wrong?",
        help_text="Say what happened, who was involved and how it affected you or someone else. "
        f"Up to {MAX_DESCRIPTION_CHARS} characters.",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Enter what went wrong"},
    )

    def clean_description(self):
        text = self.cleaned_data["description"].strip()
        if len(text) > MAX_DESCRIPTION_CHARS:
            raise ValidationError(
                f"What went wrong must be {MAX_DESCRIPTION_CHARS} characters or fewer "
                f"(you have {len(text)})"
            )
        if not text:
            raise ValidationError("Enter what went wrong")
        return text


class WhenAndWhereForm(GovukFormMixin, forms.Form):
    occurred_on = forms.DateField(
        label="When did it happen? (optional)",
        help_text="For example, 27/3/2026",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Enter a real date, like 27/3/2026"},
    )
    location = forms.CharField(
        label="Where did it happen? (optional)",
        help_text="For example, the name of the building or the street",
        required=False,
        max_length=200,
    )
    postcode = forms.CharField(label="Postcode (optional)", required=False, max_length=10)

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["location"].error_messages["max_length"] = (
            "Where it happened must be 200 characters or fewer"
        )
        self.fields["postcode"].widget.attrs.update({"autocomplete": "postal-code"})
        self.fields["postcode"].widget.attrs["class"] += " govuk-input--width-10"

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        if day and self.today and day > self.today:
            raise ValidationError("The date it happened must be today or in the past")
        return day

    def clean_postcode(self):
        value = self.cleaned_data["postcode"].strip()
        if not value:
            return ""
        validate_postcode(value)
        return normalise_postcode(value)


class AttachmentForm(GovukFormMixin, forms.Form):
    file = forms.FileField(
        label="Upload a file (optional)",
        help_text="A photo (PNG or JPEG) or a document (PDF, Word, text), up to 5MB each. "
        "You can add up to 5 files.",
        required=False,
    )


class ContactForm(GovukFormMixin, forms.Form):
    GIVE = "give"
    ANONYMOUS = "anonymous"
    contact = forms.ChoiceField(
        label="Do you want to give your contact details?",
        help_text="With an email address we can send you your reference and a private link to "
        "follow your complaint. If you stay anonymous, nobody can reply to you directly.",
        choices=[(GIVE, "Give my details"), (ANONYMOUS, "Stay anonymous")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you want to give your contact details"},
    )
    name = forms.CharField(
        label="Full name", required=False, max_length=150, validators=[validate_single_line]
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    phone = forms.CharField(
        label="Phone number (optional)",
        required=False,
        max_length=30,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        self.fields["phone"].widget = forms.TextInput(
            attrs={
                "type": "tel",
                "autocomplete": "tel",
                "class": "govuk-input govuk-input--width-20",
            }
        )

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        digits = value.replace(" ", "").replace("+", "").replace("-", "")
        if value and (not digits.isdigit() or not 7 <= len(digits) <= 15):
            raise ValidationError("Enter a phone number, like 01632 960 001 or 07700 900 982")
        return value

    def clean(self):
        data = super().clean()
        if data.get("contact") == self.GIVE:
            if not data.get("name", "").strip() and "name" not in self.errors:
                self.add_error("name", "Enter your full name")
            if not data.get("email") and "email" not in self.errors:
                self.add_error("email", "Enter your email address")
        else:
            # Anonymous: whatever was typed in the detail fields is dropped.
            data["name"] = data["email"] = data["phone"] = ""
        return data


class SubmitComplaintForm(forms.Form):
    """The check-your-answers page's form. `website` is a honeypot: hidden from people, so
    only a robot fills it in."""

    website = forms.CharField(required=False)


class TrackForm(GovukFormMixin, forms.Form):
    reference = forms.CharField(
        label="Complaint reference",
        help_text="For example, CMP-2026-000123",
        max_length=20,
        error_messages={"required": "Enter your complaint reference"},
    )
    code = forms.CharField(
        label="Secret code",
        help_text="The code at the end of the private link we sent you, after the reference",
        max_length=100,
        error_messages={"required": "Enter the secret code from your link"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reference"].widget.attrs.update({"spellcheck": "false"})
        self.fields["code"].widget.attrs.update({"spellcheck": "false", "autocomplete": "off"})


class Stage2Form(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why are you unhappy with the response?",
        help_text=f"Up to {MAX_STAGE2_REASON_CHARS} characters.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter why you are unhappy"},
    )
