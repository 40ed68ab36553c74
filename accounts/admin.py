"""People's accounts, and the sign-in lock-outs, as platform staff read them.

Nothing here edits a row. Staff deactivate and reactivate accounts with the actions below,
and change a person's role or organisation, or erase their details, on the staff pages the
account's page links to; each goes through accounts.services, with a reason, audited.
Accounts are never deleted (User.delete refuses too)."""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from core.admin_base import ServiceOwnedAdmin, admin_action_with_form

from . import services
from .models import User


@admin.register(User)
class UserAdmin(ServiceOwnedAdmin, DjangoUserAdmin):
    ordering = ("email",)
    list_display = (
        "email",
        "full_name",
        "role",
        "commissioner",
        "provider",
        "is_active",
        "is_staff",
    )
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("email", "full_name")
    list_select_related = ("commissioner", "provider")
    # The password's hash is no business of staff's, even summarised.
    fieldsets = (
        (None, {"fields": ("email", "staff_actions")}),
        ("Person", {"fields": ("full_name",)}),
        ("Organisation and role", {"fields": ("role", "commissioner", "provider")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined", "erased_at")}),
    )
    readonly_fields = ("staff_actions",)
    actions = ["deactivate", "reactivate"]

    @admin.display(description="Staff actions")
    def staff_actions(self, user):
        if user.erased_at is not None:
            return "None: this person's details were erased at their request."
        query = urlencode({"email": user.email})
        return format_html(
            '<a href="{}?{}">Change role or organisation</a> · '
            '<a href="{}?{}">Erase personal details</a> · '
            "deactivate or reactivate with the actions on the list of users",
            reverse("staff:person_role"),
            query,
            reverse("staff:person_erase"),
            query,
        )

    @admin.action(description="Deactivate selected accounts")
    def deactivate(self, request, queryset):
        return admin_action_with_form(
            self,
            request,
            queryset,
            action="deactivate",
            title="Deactivate accounts: why?",
            service=lambda user, reason: services.user_deactivate(
                user=user, actor=request.user, reason=reason
            ),
            done="Deactivated",
        )

    @admin.action(description="Reactivate selected accounts")
    def reactivate(self, request, queryset):
        return admin_action_with_form(
            self,
            request,
            queryset,
            action="reactivate",
            title="Reactivate accounts: why?",
            service=lambda user, reason: services.user_reactivate(
                user=user, actor=request.user, reason=reason
            ),
            done="Reactivated",
        )


# django-axes registers its own admin, which lets staff edit and delete the records of failed
# sign-ins. Here they only read them, and lift a lock-out with a reason, audited.
for model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(AccessAttempt)
class SignInAttemptAdmin(ServiceOwnedAdmin, AccessAttemptAdmin):
    actions = ["lift_lockout"]

    @admin.action(description="Lift the lock-out of the selected sign-ins")
    def lift_lockout(self, request, queryset):
        return admin_action_with_form(
            self,
            request,
            queryset,
            action="lift_lockout",
            title="Lift lock-outs: why?",
            service=lambda attempt, reason: services.sign_in_lockout_lift(
                attempt=attempt, actor=request.user, reason=reason
            ),
            done="Lock-out lifted",
        )


@admin.register(AccessLog)
class SignInLogAdmin(ServiceOwnedAdmin, AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class SignInFailureLogAdmin(ServiceOwnedAdmin, AccessFailureLogAdmin):
    pass
