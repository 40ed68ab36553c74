"""Platform staff verify providers, record exclusions and check changes to providers' details
here.

Every change goes through providers.services, so the state machines, the checks and the
audit log apply in the admin exactly as on the pages: the records themselves are read-only
(core.admin_base.ServiceOwnedAdmin), verification and exclusions are actions, and a
provider's kind, legal form or size band is corrected on a staff page, with a reason."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from core.admin_base import ServiceOwnedAdmin, ServiceOwnedTabularInline, admin_action_with_form
from core.admin_base import apply_to_each as _apply_to_each

from . import services
from .forms import ExclusionAdminForm
from .models import (
    ProviderDetailsChange,
    ProviderExclusion,
    ProviderIdentifier,
    ProviderOrganisation,
)
from .selectors import with_exclusion_flag


class ProviderIdentifierInline(ServiceOwnedTabularInline):
    model = ProviderIdentifier
    fields = ("scheme", "value")


class ExclusionInline(ServiceOwnedTabularInline):
    """The provider's exclusions, to read; they are recorded under Provider exclusions."""

    model = ProviderExclusion
    fields = ("starts_on", "ends_on", "reason", "lifted_at", "lifted_reason")
    show_change_link = True


class DetailsChangeInline(ServiceOwnedTabularInline):
    """Changes the provider made to its kind, legal form or size band, and staff's decisions."""

    model = ProviderDetailsChange
    fields = ("kind", "legal_form", "size_band", "status", "requested_at", "decision_reason")
    show_change_link = True


@admin.register(ProviderOrganisation)
class ProviderOrganisationAdmin(ServiceOwnedAdmin):
    list_display = (
        "name",
        "kind",
        "legal_form",
        "size_band",
        "verification_status",
        "excluded_until",
    )
    list_filter = ("verification_status", "kind", "legal_form", "size_band")
    search_fields = ("name", "identifiers__value")
    readonly_fields = ("staff_actions",)
    inlines = [ProviderIdentifierInline, ExclusionInline, DetailsChangeInline]
    actions = ["verify", "refuse_verification"]

    def get_queryset(self, request):
        return with_exclusion_flag(super().get_queryset(request))

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "staff_actions"]
        return ["staff_actions", *fields]

    @admin.display(description="Excluded until", ordering="excluded_until")
    def excluded_until(self, provider):
        return provider.excluded_until

    @admin.display(description="Staff actions")
    def staff_actions(self, provider):
        return format_html(
            '<a href="{}?{}">Correct kind, legal form or size</a> · '
            '<a href="{}?{}">Record an exclusion</a>',
            reverse("staff:provider_details"),
            urlencode({"provider": provider.name}),
            reverse("admin:providers_providerexclusion_add"),
            urlencode({"provider": provider.pk}),
        )

    @admin.action(description="Verify selected providers")
    def verify(self, request, queryset):
        _apply_to_each(
            self,
            request,
            queryset,
            lambda provider: services.provider_verify(provider=provider, actor=request.user),
            done="Verified",
        )

    @admin.action(description="Refuse verification")
    def refuse_verification(self, request, queryset):
        return admin_action_with_form(
            self,
            request,
            queryset,
            action="refuse_verification",
            title="Refuse verification: why?",
            service=lambda provider, reason: services.provider_reject(
                provider=provider, actor=request.user, reason=reason
            ),
            done="Verification refused",
            reason_note="kept in the audit log and emailed to the provider's admins",
        )


@admin.register(ProviderDetailsChange)
class ProviderDetailsChangeAdmin(ServiceOwnedAdmin):
    """A verified provider's change to its kind, legal form or size band waits here until
    staff check it against the registers and approve or refuse it."""

    list_display = ("provider", "summary", "status", "requested_by", "requested_at")
    list_filter = ("status",)
    list_select_related = ("provider", "requested_by")
    search_fields = ("provider__name",)
    actions = ["approve", "refuse"]

    @admin.display(description="Change")
    def summary(self, change):
        return change.summary()

    @admin.action(description="Approve selected changes")
    def approve(self, request, queryset):
        _apply_to_each(
            self,
            request,
            queryset.select_related("provider"),
            lambda change: services.details_change_approve(change=change, actor=request.user),
            done="Approved",
        )

    @admin.action(description="Refuse selected changes")
    def refuse(self, request, queryset):
        return admin_action_with_form(
            self,
            request,
            queryset.select_related("provider"),
            action="refuse",
            title="Refuse changes: why?",
            service=lambda change, reason: services.details_change_refuse(
                change=change, actor=request.user, reason=reason
            ),
            done="Refused",
            reason_note="kept in the audit log and emailed to the provider's admins",
        )


@admin.register(ProviderExclusion)
class ProviderExclusionAdmin(ServiceOwnedAdmin):
    """Recording an exclusion goes through `provider_exclude` (the add page's save calls it,
    so this is the one add page the admin keeps); a recorded exclusion is never edited or
    deleted, only lifted, with a reason, by the action."""

    form = ExclusionAdminForm
    list_display = ("provider", "starts_on", "ends_on", "lifted_at", "recorded_by")
    list_filter = (("lifted_at", admin.EmptyFieldListFilter),)
    list_select_related = ("provider", "recorded_by")
    search_fields = ("provider__name", "reason")
    autocomplete_fields = ("provider",)
    actions = ["lift"]

    def has_add_permission(self, request):
        return admin.ModelAdmin.has_add_permission(self, request)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["provider", "reason", "starts_on", "ends_on"]
        return [
            "provider",
            "reason",
            "starts_on",
            "ends_on",
            "recorded_by",
            "recorded_at",
            "lifted_at",
            "lifted_reason",
        ]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        recorded = services.provider_exclude(
            provider=data["provider"],
            actor=request.user,
            reason=data["reason"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )
        # The admin goes on to log and redirect to the object it holds: make it the one saved.
        obj.pk = recorded.pk
        obj.recorded_by = recorded.recorded_by
        obj.recorded_at = recorded.recorded_at

    @admin.action(description="Lift selected exclusions")
    def lift(self, request, queryset):
        return admin_action_with_form(
            self,
            request,
            queryset,
            action="lift",
            title="Lift exclusions: why?",
            service=lambda exclusion, reason: services.exclusion_lift(
                exclusion=exclusion, actor=request.user, reason=reason
            ),
            done="Lifted",
        )
