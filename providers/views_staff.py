"""Staff's page that corrects a provider's kind, legal form or size band, with a reason
(services.provider_details_correct). Changes the provider made itself are approved or
refused in the admin (Provider details changes)."""

from core.views_staff import StaffFlow

from . import services
from .choices import LegalForm, ProviderKind, SizeBand
from .forms_staff import ProviderDetailsForm
from .models import ProviderOrganisation

FACTS = (
    ("kind", "Kind", ProviderKind),
    ("legal_form", "Legal form", LegalForm),
    ("size_band", "Size", SizeBand),
)


class ProviderDetailsFlow(StaffFlow):
    slug = "provider_details"
    title = "Correct a provider's kind, legal form or size"
    intro = (
        "These decide which reserved lots the provider may bid for. Bids it has made on "
        "reserved lots are judged again when each tender closes."
    )
    form_class = ProviderDetailsForm
    check_button = "Correct the details"
    prefill = {"provider": "provider"}

    def initial(self, from_link: dict) -> dict:
        provider = ProviderOrganisation.objects.filter(
            name__iexact=from_link.get("provider", "")
        ).first()
        if provider is None:
            return from_link
        return {**from_link, **{name: getattr(provider, name) for name, _, _ in FACTS}}

    def rows(self, form):
        provider, data = form.record, form.cleaned_data
        rows = [("Provider", provider.name)]
        for name, label, choices in FACTS:
            now, wanted = getattr(provider, name), data[name]
            if now == wanted:
                rows.append((label, f"{choices(now).label} (unchanged)"))
            else:
                rows.append((label, f"{choices(now).label}, corrected to {choices(wanted).label}"))
        rows.append(("Reason", data["reason"]))
        return rows

    def perform(self, form, *, actor):
        data = form.cleaned_data
        provider = services.provider_details_correct(
            provider=form.record,
            actor=actor,
            reason=data["reason"],
            **{name: data[name] for name, _, _ in FACTS},
        )
        return "Details corrected", f"{provider.name}'s details are corrected"
