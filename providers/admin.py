"""Platform staff verify providers and record exclusions here.

Every change of state goes through providers.services, so the state machine, the checks
and the audit log apply in the admin exactly as on the pages: verification status is
read-only, and exclusions are recorded and lifted only by the services."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.template.response import TemplateResponse

from core.errors import DomainError

from . import services
from .forms import ExclusionAdminForm, ReasonForm
from .models import ProviderExclusion, ProviderIdentifier, ProviderOrganisation
from .selectors import with_exclusion_flag


def _apply_to_each(modeladmin, request, queryset, service, *, done: str) -> None:
    """Runs `service` on each selected row on its own, so one refusal does not undo the
    others; reports what was done and what was refused, and why."""
    done_for = []
    for record in queryset:
        try:
            service(record)
        except DomainError as error:
            modeladmin.message_user(request, f"{record}: {error.message}", messages.ERROR)
        else:
            done_for.append(str(record))
    if done_for:
        modeladmin.message_user(request, f"{done}: {', '.join(done_for)}", messages.SUCCESS)


def _with_reason(modeladmin, request, queryset, *, action: str, title: str, service, done: str):
    """An admin action that asks for a reason on a page of its own before it runs."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        reason = form.cleaned_data["reason"]
        _apply_to_each(
            modeladmin, request, queryset, lambda record: service(record, reason), done=done
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "form": form,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "providers/admin/action_reason.html", context)


class ProviderIdentifierInline(admin.TabularInline):
    model = ProviderIdentifier
    extra = 0


class ExclusionInline(admin.TabularInline):
    """The provider's exclusions, to read; they are recorded under Provider exclusions."""

    model = ProviderExclusion
    fields = ("starts_on", "ends_on", "reason", "lifted_at", "lifted_reason")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProviderOrganisation)
class ProviderOrganisationAdmin(admin.ModelAdmin):
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
    readonly_fields = ("verification_status",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [ProviderIdentifierInline, ExclusionInline]
    actions = ["verify", "refuse_verification"]

    def get_queryset(self, request):
        return with_exclusion_flag(super().get_queryset(request))

    @admin.display(description="Excluded until", ordering="excluded_until")
    def excluded_until(self, provider):
        return provider.excluded_until

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
        return _with_reason(
            self,
            request,
            queryset,
            action="refuse_verification",
            title="Refuse verification: why?",
            service=lambda provider, reason: services.provider_reject(
                provider=provider, actor=request.user, reason=reason
            ),
            done="Verification refused",
        )


@admin.register(ProviderExclusion)
class ProviderExclusionAdmin(admin.ModelAdmin):
    """Recording an exclusion goes through `provider_exclude`; a recorded exclusion is never
    edited or deleted, only lifted, with a reason, by the action."""

    form = ExclusionAdminForm
    list_display = ("provider", "starts_on", "ends_on", "lifted_at", "recorded_by")
    list_filter = (("lifted_at", admin.EmptyFieldListFilter),)
    list_select_related = ("provider", "recorded_by")
    search_fields = ("provider__name", "reason")
    autocomplete_fields = ("provider",)
    actions = ["lift"]

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

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

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
        return _with_reason(
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
