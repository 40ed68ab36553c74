from django.contrib import admin

from .models import AuditEntry, Heartbeat


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, and the database refuses edits anyway."""

    list_display = ("occurred_at", "actor_label", "action", "object_type", "object_label")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_label", "object_id")
    date_hierarchy = "occurred_at"

    def get_queryset(self, request):
        # Entries about bids on tenders still open would let staff count the bids before the
        # deadline; they appear once the tender's bids are opened.
        from django.db.models import CharField
        from django.db.models.functions import Cast

        from commissioning.models import Bid

        sealed_bids = Bid.objects.filter(tender__bids_opened_at__isnull=True).values(
            id_text=Cast("pk", CharField())
        )
        return (
            super()
            .get_queryset(request)
            .exclude(object_type="commissioning.Bid", object_id__in=sealed_bids)
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "last_run_at", "hostname", "runs")
    readonly_fields = ("name", "last_run_at", "hostname", "runs")

    def has_add_permission(self, request):
        return False


from .models import JobRun  # noqa: E402


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from .models import WebhookDelivery, WebhookEndpoint  # noqa: E402


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Staff can see and switch off endpoints; the signing secret is never shown here."""

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
    readonly_fields = (
        "url",
        "events",
        "commissioner",
        "provider",
        "consecutive_failures",
        "created_by",
        "created_at",
    )

    def has_add_permission(self, request):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
