from django.contrib import admin

from .models import ProviderIdentifier, ProviderOrganisation


class ProviderIdentifierInline(admin.TabularInline):
    model = ProviderIdentifier
    extra = 0


@admin.register(ProviderOrganisation)
class ProviderOrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "legal_form", "size_band", "verification_status")
    list_filter = ("kind", "legal_form", "size_band", "verification_status")
    search_fields = ("name", "identifiers__value")
    inlines = [ProviderIdentifierInline]
