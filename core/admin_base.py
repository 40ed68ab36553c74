"""What every ModelAdmin on the platform is built from.

The admin is where staff read records. Services own every change (they lock, check the
rules and write the audit entry), so a form that saved a model directly would skip all of
that: `ServiceOwnedAdmin` refuses add, change and delete to everyone, superusers included,
and its change page only shows the record. Staff act through admin actions and staff pages
that call the services (`admin_action_with_form`, core/urls_staff.py).

Deleting is refused for one more reason: Django's delete-confirmation page lists the
objects that protect a record, which would name a sealed bid before its tender closes.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets
from django.template.response import TemplateResponse

from .errors import DomainError


def _every_field_shown(model_admin, declared) -> list[str]:
    """Every field the page shows, as read-only ones: a read-only page still builds a form
    from the rest, which fails on fields the model does not let forms edit."""
    if declared:
        names = list(declared)
    else:
        meta = model_admin.model._meta
        names = [f.name for f in [*meta.fields, *meta.many_to_many] if not f.auto_created]
    excluded = set(model_admin.exclude or ())
    readonly = [*names, *model_admin.readonly_fields]
    return [name for name in dict.fromkeys(readonly) if name not in excluded]


class ServiceOwnedAdmin(admin.ModelAdmin):
    """Read-only: no add, change or delete page, for anyone."""

    def get_readonly_fields(self, request, obj=None):
        if obj is None and self.has_add_permission(request):
            return self.readonly_fields
        declared = flatten_fieldsets(self.fieldsets) if self.fieldsets else self.fields
        return _every_field_shown(self, declared)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceOwnedTabularInline(admin.TabularInline):
    """Rows shown inside a parent's page, to read."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return _every_field_shown(self, self.fields)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def apply_to_each(modeladmin, request, queryset, service, *, done: str) -> None:
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


class ReasonForm(forms.Form):
    """The reason staff give for an admin action that needs one."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages={"required": "Enter the reason"},
    )


def admin_action_with_form(
    modeladmin,
    request,
    queryset,
    *,
    action: str,
    title: str,
    service,
    done: str,
    form_class=ReasonForm,
    reason_note: str = "kept in the audit log",
):
    """An admin action that asks for a reason (or the answers of `form_class`) on a page of
    its own before it runs `service(record, **answers)` on each selected row."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        answers = form.cleaned_data
        apply_to_each(
            modeladmin, request, queryset, lambda record: service(record, **answers), done=done
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "form": form,
        "action": action,
        "reason_note": reason_note,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "core/admin/action_form.html", context)
