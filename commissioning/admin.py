from django.contrib import admin

from .models import CommissionerOrganisation


@admin.register(CommissionerOrganisation)
class CommissionerOrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "identifier", "region")
    list_filter = ("kind", "region")
    search_fields = ("name", "identifier")
