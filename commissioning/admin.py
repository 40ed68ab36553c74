from django.contrib import admin

from .models import (
    Award,
    Bid,
    CommissionerOrganisation,
    Contract,
    CpvCode,
    Kpi,
    Lot,
    Tender,
    TenderStatusChange,
)


@admin.register(CommissionerOrganisation)
class CommissionerOrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "identifier", "region")
    list_filter = ("kind", "region")
    search_fields = ("name", "identifier")


@admin.register(CpvCode)
class CpvCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "description")
    search_fields = ("code", "description")


class LotInline(admin.TabularInline):
    model = Lot
    extra = 0
    fields = ("number", "title", "estimated_value", "reservation")


class StatusHistoryInline(admin.TabularInline):
    model = TenderStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "reason", "changed_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Tender)
class TenderAdmin(admin.ModelAdmin):
    """Staff read tenders here; every change goes through the officers' pages and services,
    so the status machine and audit log are never bypassed."""

    list_display = ("title", "commissioner", "status", "procedure", "submission_deadline")
    list_filter = ("status", "procedure", "region")
    search_fields = ("title", "commissioner__name")
    list_select_related = ("commissioner",)
    inlines = [LotInline, StatusHistoryInline]
    exclude = ("search_document",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Bid)
class BidAdmin(admin.ModelAdmin):
    """Bids appear here only after their tender's bids were opened at closing, so the admin
    can reveal neither a sealed bid nor how many there are; contents are never decrypted."""

    list_display = ("id", "tender", "lot", "provider", "status", "submitted_at", "opened_price")
    list_filter = ("status",)
    list_select_related = ("tender", "lot", "provider")
    fields = ("tender", "lot", "provider", "status", "submitted_at", "withdrawn_at", "opened_price")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(tender__bids_opened_at__isnull=False)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class KpiInline(admin.TabularInline):
    model = Kpi
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "commissioner",
        "provider",
        "value",
        "start_date",
        "end_date",
        "status",
    )
    list_filter = ("status",)
    search_fields = ("title", "provider__name", "commissioner__name")
    list_select_related = ("commissioner", "provider")
    inlines = [KpiInline]
    readonly_fields = ("award", "lot", "tender")


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ("lot", "status", "decided_at", "standstill_ends_at")
    list_filter = ("status",)
    readonly_fields = (
        "lot",
        "bid",
        "status",
        "reason",
        "decided_by",
        "decided_at",
        "standstill_ends_at",
    )

    def has_add_permission(self, request):
        return False
