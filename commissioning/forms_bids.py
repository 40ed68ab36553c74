"""The bid form. It only gathers what the provider entered: the bid service checks price,
answers, partners and documents, so the API and the pages refuse bad bids in the same words."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from core.forms import GovukFormMixin
from core.uploads import ACCEPTED_DESCRIPTION
from providers.models import ProviderOrganisation

from .choices import PartnerKind
from .services.bids import MAX_DOCUMENTS, document_label

# Rows for partners that are not registered on the platform; a consortium with more than
# this many names the rest when it registers them, or in its answers.
NAMED_PARTNER_ROWS = 3


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input. They reach the service unchecked: it judges each by
    its content and size, and names the file in any refusal."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [f for f in files if f]


class _BidFields(forms.Form):
    def __init__(
        self, *args, criteria, provider, documents=(), named_rows=NAMED_PARTNER_ROWS, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        self.named_rows = named_rows
        self.fields["price"] = forms.CharField(
            label="Your price for this lot, in pounds",
            help_text="The total for the initial contract term, for example 125000 or 125000.50",
            required=False,
            widget=forms.TextInput(
                attrs={
                    "class": "govuk-input--width-10",
                    "inputmode": "decimal",
                    "spellcheck": "false",
                }
            ),
        )
        for criterion in self.criteria:
            self.fields[f"answer_{criterion.pk}"] = forms.CharField(
                label=f"{criterion.title} ({criterion.weight}% of the marks)",
                help_text=criterion.guidance,
                required=False,
                widget=forms.Textarea(attrs={"rows": 8}),
            )
        self.fields["partners"] = forms.ModelMultipleChoiceField(
            label="Registered providers in your consortium (optional)",
            help_text="To choose more than one, hold Ctrl (or Cmd on a Mac) as you choose",
            queryset=ProviderOrganisation.objects.exclude(pk=provider.pk).order_by("name"),
            required=False,
            widget=forms.SelectMultiple(attrs={"size": 6}),
        )
        for row in range(1, named_rows + 1):
            self.fields[f"partner_{row}_name"] = forms.CharField(
                label=f"Partner {row}: name", required=False, max_length=200
            )
            self.fields[f"partner_{row}_kind"] = forms.ChoiceField(
                label=f"Partner {row}: what kind of group it is",
                choices=[("", "Choose"), *PartnerKind.choices],
                required=False,
            )
        self.existing_documents = list(documents)
        if self.existing_documents:
            self.fields["remove_documents"] = forms.MultipleChoiceField(
                label="Documents to remove (optional)",
                choices=[(str(d["id"]), document_label(d)) for d in self.existing_documents],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        self.fields["documents"] = MultipleFileField(
            label=("Add documents" if self.existing_documents else "Supporting documents")
            + " (optional)",
            help_text=(
                f"Up to {MAX_DOCUMENTS} files in all, each {ACCEPTED_DESCRIPTION} smaller "
                f"than {filesizeformat(settings.MAX_UPLOAD_BYTES)}. You can choose several at once."
            ),
            required=False,
            widget=MultipleFileInput(attrs={"class": "govuk-file-upload"}),
        )


class BidForm(GovukFormMixin, _BidFields):
    """Price, one answer per quality and social value criterion, consortium partners and
    documents. `documents` (when changing a bid) lists the ones it already has."""

    def answer_fields(self):
        return [self[f"answer_{criterion.pk}"] for criterion in self.criteria]

    def named_partner_rows(self):
        return [
            (self[f"partner_{row}_name"], self[f"partner_{row}_kind"])
            for row in range(1, self.named_rows + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        named = []
        for row in range(1, self.named_rows + 1):
            name = cleaned.get(f"partner_{row}_name", "")
            kind = cleaned.get(f"partner_{row}_kind", "")
            if name and not kind:
                self.add_error(f"partner_{row}_kind", f"Choose what kind of group {name} is")
            elif kind and not name:
                self.add_error(f"partner_{row}_name", f"Enter the name of partner {row}")
            elif name:
                named.append({"name": name, "kind": kind})
        cleaned["named_partners"] = named
        return cleaned

    def service_arguments(self) -> dict:
        """The cleaned form as the bid service's keyword arguments."""
        data = self.cleaned_data
        partners = [{"provider_id": p.pk} for p in data["partners"]] + data["named_partners"]
        arguments = {
            "price": data["price"],
            "answers": {str(c.pk): data[f"answer_{c.pk}"] for c in self.criteria},
            "partners": partners,
            "documents": data["documents"],
        }
        if self.existing_documents:
            arguments["remove_documents"] = data.get("remove_documents", [])
        return arguments


class WithdrawBidForm(GovukFormMixin, forms.Form):
    """No fields: the page asks for confirmation, and shows a refusal in the error summary."""
