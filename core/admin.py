from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse

from .admin_base import ServiceOwnedAdmin, admin_action_with_form
from .models import AuditEntry, Heartbeat


class AuditChangeList(ChangeList):
    def url_for_result(self, result):
        # Entries are named by their place in the chain, never by their row id: row ids are
        # taken as entries are written, held ones (about sealed bids) included, so gaps
        # between them would count bids before closing. Positions have no gaps.
        return reverse(
            "admin:core_auditentry_change",
            args=(quote(result.position),),
            current_app=self.model_admin.admin_site.name,
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(ServiceOwnedAdmin):
    """Read-only: the audit log is append-only, and the database refuses edits anyway.

    Staff see the chain: sealed entries in chain order, each at /admin/core/auditentry/
    <position>/change/. Entries not yet chained (for a few seconds, or, about a sealed bid,
    until the tender's bids are opened) are not shown, so nothing here moves when a bid
    arrives."""

    list_display = (
        "position",
        "occurred_at",
        "actor_label",
        "action",
        "object_type",
        "object_label",
    )
    list_display_links = ("position", "occurred_at")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_label", "object_id")
    date_hierarchy = "occurred_at"
    ordering = ("-position",)
    actions = None
    fields = (
        "position",
        "occurred_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "before",
        "after",
        "previous_hash",
        "entry_hash",
        "sealed_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(position__isnull=False)

    def get_changelist(self, request, **kwargs):
        return AuditChangeList

    def get_object(self, request, object_id, from_field=None):
        try:
            return self.get_queryset(request).get(position=int(object_id))
        except (AuditEntry.DoesNotExist, ValueError, TypeError):
            return None


@admin.register(Heartbeat)
class HeartbeatAdmin(ServiceOwnedAdmin):
    """Read-only: written by core.services.heartbeat_record."""

    list_display = ("name", "last_run_at", "hostname", "runs")


from .models import JobRun  # noqa: E402


@admin.register(JobRun)
class JobRunAdmin(ServiceOwnedAdmin):
    """Read-only: runs are written by core.jobs.job_run, never by hand."""

    list_display = ("job", "started_at", "finished_at", "status", "rows_processed", "hostname")
    list_filter = ("job", "status")
    readonly_fields = (
        "job",
        "started_at",
        "finished_at",
        "status",
        "rows_processed",
        "errors",
        "hostname",
    )


from .models import WebhookDelivery, WebhookEndpoint  # noqa: E402


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceOwnedAdmin):
    """Staff see endpoints and switch them off, with a reason, through
    core.webhooks.webhook_endpoint_switch_off; the signing secret is never shown here."""

    list_display = ("url", "commissioner", "provider", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("url", "description")
    fields = (
        "url",
        "description",
        "events",
        "commissioner",
        "provider",
        "active",
        "disabled_reason",
        "consecutive_failures",
        "created_by",
        "created_at",
    )
    actions = ["switch_off"]

    @admin.action(description="Switch off selected endpoints")
    def switch_off(self, request, queryset):
        from .webhooks import webhook_endpoint_switch_off

        return admin_action_with_form(
            self,
            request,
            queryset,
            action="switch_off",
            title="Switch off endpoints: why?",
            service=lambda endpoint, reason: webhook_endpoint_switch_off(
                endpoint=endpoint, actor=request.user, reason=reason
            ),
            done="Switched off",
            reason_note="kept in the audit log and shown to the endpoint's owners",
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ServiceOwnedAdmin):
    """Read-only: deliveries are written by core.webhooks."""

    list_display = ("event", "endpoint", "status", "attempts", "last_status_code", "created_at")
    list_filter = ("status", "event")
    list_select_related = ("endpoint",)
    exclude = ("payload",)
    readonly_fields = (
        "endpoint",
        "event",
        "event_id",
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "last_status_code",
        "last_error",
        "response_excerpt",
        "created_at",
        "delivered_at",
    )
