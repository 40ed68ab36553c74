"""Commissioning records as platform staff read them. Every change goes through the officers'
pages and the services, so the state machines and the audit log are never bypassed; staff
correct a contract's value on their own page (linked from the contract), with a reason."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from core.admin_base import ServiceOwnedAdmin, ServiceOwnedTabularInline

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
class CommissionerOrganisationAdmin(ServiceOwnedAdmin):
    list_display = ("name", "kind", "identifier", "region")
    list_filter = ("kind", "region")
    search_fields = ("name", "identifier")


@admin.register(CpvCode)
class CpvCodeAdmin(ServiceOwnedAdmin):
    list_display = ("code", "description")
    search_fields = ("code", "description")


class LotInline(ServiceOwnedTabularInline):
    model = Lot
    fields = ("number", "title", "estimated_value", "reservation")


class StatusHistoryInline(ServiceOwnedTabularInline):
    model = TenderStatusChange
    fields = ("from_status", "to_status", "actor", "reason", "changed_at")


@admin.register(Tender)
class TenderAdmin(ServiceOwnedAdmin):
    """Staff read tenders here; every change goes through the officers' pages and services,
    so the status machine and audit log are never bypassed."""

    list_display = ("title", "commissioner", "status", "procedure", "submission_deadline")
    list_filter = ("status", "procedure", "region")
    search_fields = ("title", "commissioner__name")
    list_select_related = ("commissioner",)
    inlines = [LotInline, StatusHistoryInline]
    exclude = ("search_document",)


@admin.register(Bid)
class BidAdmin(ServiceOwnedAdmin):
    """Bids appear here only after their tender's bids were opened at closing, so the admin
    can reveal neither a sealed bid nor how many there are; contents are never decrypted."""

    list_display = ("id", "tender", "lot", "provider", "status", "submitted_at", "opened_price")
    list_filter = ("status",)
    list_select_related = ("tender", "lot", "provider")
    fields = (
        "tender",
        "lot",
        "provider",
        "status",
        "ineligible_reason",
        "submitted_at",
        "withdrawn_at",
        "opened_price",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(tender__bids_opened_at__isnull=False)


class KpiInline(ServiceOwnedTabularInline):
    model = Kpi


@admin.register(Contract)
class ContractAdmin(ServiceOwnedAdmin):
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
    readonly_fields = ("staff_actions",)

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "staff_actions"]
        return ["staff_actions", *fields]

    @admin.display(description="Staff actions")
    def staff_actions(self, contract):
        return format_html(
            '<a href="{}?{}">Correct the value</a>',
            reverse("staff:contract_value"),
            urlencode({"contract": contract.reference}),
        )


@admin.register(Award)
class AwardAdmin(ServiceOwnedAdmin):
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
