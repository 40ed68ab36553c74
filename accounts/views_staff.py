"""Staff's pages about people's accounts: change a person's role or organisation, and erase
a person's details at their request. Deactivating and reactivating are actions on the
admin's list of users. Each calls one service in accounts.services."""

from core.views_staff import StaffFlow

from . import services
from .choices import Role
from .forms_staff import PersonEraseForm, PersonRoleForm


def _role_in(role: str, organisation) -> str:
    if not role:
        return "No role" + (f" ({organisation})" if organisation else "")
    return f"{Role(role).label} at {organisation}"


class PersonRoleFlow(StaffFlow):
    slug = "person_role"
    title = "Change a person's role or organisation"
    intro = (
        "Use this when someone moves to another organisation, or takes on another role in "
        "theirs. Their API keys are revoked, because they acted for the old role. A provider "
        "is never left without an admin."
    )
    form_class = PersonRoleForm
    check_button = "Change their role"
    prefill = {"email": "email"}

    def rows(self, form):
        data, person = form.cleaned_data, form.person
        return [
            ("Person", f"{person.full_name} ({person.email})"),
            ("Role now", _role_in(person.role, person.organisation)),
            ("New role", _role_in(data["role"], data["organisation_record"])),
            ("Reason", data["reason"]),
        ]

    def perform(self, form, *, actor):
        data = form.cleaned_data
        person = services.user_change_role(
            user=form.person,
            actor=actor,
            role=data["role"],
            organisation=data["organisation_record"],
            reason=data["reason"],
        )
        return "Role changed", f"{person.full_name}: {_role_in(person.role, person.organisation)}"


class PersonEraseFlow(StaffFlow):
    slug = "person_erase"
    title = "Erase a person's details"
    intro = (
        "When someone asks for their personal data to be erased. Their name and email address "
        "are replaced, their password, API keys and sessions end, and the account is closed "
        "for good. The account itself stays, so the bids, scores and decisions they made keep "
        "an author; the audit log keeps its entries as they were written."
    )
    form_class = PersonEraseForm
    check_button = "Erase their details"
    warning = "This cannot be undone."
    prefill = {"email": "email"}

    def rows(self, form):
        person = form.person
        return [
            ("Person", f"{person.full_name} ({person.email})"),
            ("Organisation", str(person.organisation or "None")),
            ("Reason", form.cleaned_data["reason"]),
        ]

    def perform(self, form, *, actor):
        person = services.user_erase(
            user=form.person, actor=actor, reason=form.cleaned_data["reason"]
        )
        return "Details erased", f"The account is now {person.full_name}, and closed"
