"""Providers' pages: registration, the public provider page, and the provider's team.

Views are thin: they fetch records through the Policy or a selector, call one service, and
hand the templates what to show (can_manage_team, can_remove, and an exclusion only for those
who may see it), never roles."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.hashers import make_password
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, FormView, TemplateView

from accounts.choices import Role
from accounts.models import User
from commissioning.models import CpvCode
from core.choices import Region
from core.errors import DomainError
from core.organisation_views import OrganisationEditView, OrganisationTeamView
from core.permissions import Action, is_platform_staff
from core.ratelimits import for_address, is_limited
from core.views import RecordAccessMixin, ServiceFormMixin

from . import selectors, services
from .choices import LegalForm, ProviderKind, SizeBand
from .forms import (
    AcceptInvitationForm,
    ConfirmForm,
    InviteColleagueForm,
    ProviderDetailsForm,
    ProviderRegistrationForm,
)
from .models import Invitation
from .permissions import provider_policy, sees_exclusions

SIGN_IN_BACKEND = "django.contrib.auth.backends.ModelBackend"
# The answers wait here between the question page and check your answers; the password only
# as its hash.
REGISTRATION_SESSION_KEY = "provider_registration"
REGISTERED_SESSION_KEY = "provider_registered"
SENT_SESSION_KEY = "provider_registration_sent_to"


# --- registration -------------------------------------------------------------------------


class AnonymousOnlyMixin:
    """Registration is for visitors; a signed-in user already belongs to an organisation."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("core:dashboard")
        return super().dispatch(request, *args, **kwargs)


class ProviderRegisterView(AnonymousOnlyMixin, ServiceFormMixin, FormView):
    """The question page: every answer on one page, in groups."""

    template_name = "providers/register.html"
    form_class = ProviderRegistrationForm
    success_url = reverse_lazy("providers:register_check")

    def saved(self) -> dict:
        return self.request.session.get(REGISTRATION_SESSION_KEY) or {}

    def get_initial(self):
        answers = dict(self.saved())
        answers.pop("password_hash", None)
        return answers

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "password_kept": "password_hash" in self.saved()}

    def perform(self, form):
        answers = form.answers()
        services.provider_registration_check(**answers)
        password = form.cleaned_data["password"]
        password_hash = make_password(password) if password else self.saved()["password_hash"]
        self.request.session[REGISTRATION_SESSION_KEY] = {**answers, "password_hash": password_hash}


class ProviderRegisterCheckView(AnonymousOnlyMixin, View):
    """Check your answers, then "check your email": the organisation is registered only when
    its admin opens the link emailed to them (ProviderRegisterConfirmView)."""

    def get(self, request):
        answers = request.session.get(REGISTRATION_SESSION_KEY)
        if not answers:
            return redirect("providers:register")
        return render(request, "providers/register_check.html", {"rows": _answer_rows(answers)})

    def post(self, request):
        answers = request.session.get(REGISTRATION_SESSION_KEY)
        if not answers:
            return redirect("providers:register")
        answers = dict(answers)
        password_hash = answers.pop("password_hash")
        form = ProviderRegistrationForm(data=_as_form_data(answers), password_kept=True)
        form.is_valid()
        # Enough for an office registering a few organisations, too few for a script filling
        # the register with bogus ones.
        if is_limited(request, group="providers.register", rate=settings.REGISTRATION_RATE):
            form.add_error(
                None,
                "Too many organisations have been registered from your connection. "
                "Try again in an hour.",
            )
            return render(request, "providers/register.html", {"form": form}, status=429)
        email = answers["admin_email"].strip().lower()
        # Per address, whoever asks: past it the page is the same, and nothing more is sent.
        if not is_limited(
            request,
            group="providers.register-address",
            rate=settings.REGISTRATION_ADDRESS_RATE,
            key=for_address(email),
        ):
            try:
                services.provider_registration_start(
                    **answers,
                    admin_password_hash=password_hash,
                    base_url=request.build_absolute_uri("/"),
                )
            except DomainError as error:
                # Somebody registered the same name or number since the question page: back
                # to the questions, with the answers kept and the problem shown.
                for field, problems in error.field_errors.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
                if not error.field_errors:
                    form.add_error(None, error.message)
                return render(request, "providers/register.html", {"form": form})
        del request.session[REGISTRATION_SESSION_KEY]
        request.session[SENT_SESSION_KEY] = email
        return redirect("providers:register_sent")


class ProviderRegisterSentView(AnonymousOnlyMixin, View):
    def get(self, request):
        email = request.session.get(SENT_SESSION_KEY)
        if not email:
            return redirect("providers:register")
        return render(
            request,
            "providers/register_sent.html",
            {"email": email, "hours": settings.REGISTRATION_CONFIRM_HOURS},
        )


class ProviderRegisterConfirmView(AnonymousOnlyMixin, View):
    """The link from the email. Opening it (GET) changes nothing, since mail scanners follow
    links; the button registers the organisation and signs its admin in."""

    template_name = "providers/register_confirm.html"

    def get(self, request, token):
        pending = services.pending_registration_for(token)
        if pending is None:
            return self._problem(request, None, [services.REGISTRATION_LINK_UNUSABLE], 404)
        return render(request, self.template_name, self._about(pending))

    def post(self, request, token):
        pending = services.pending_registration_for(token)
        try:
            admin = services.provider_registration_confirm(token=token)
        except DomainError as error:
            problems = [m for ms in error.field_errors.values() for m in ms] or [error.message]
            return self._problem(request, pending, problems, 409 if pending else 404)
        login(request, admin, backend=SIGN_IN_BACKEND)
        request.session.pop(SENT_SESSION_KEY, None)
        request.session[REGISTERED_SESSION_KEY] = admin.provider_id
        return redirect("providers:registered")

    @staticmethod
    def _about(pending) -> dict:
        if pending is None:
            return {}
        return {"name": pending.answers.get("name", ""), "email": pending.email}

    def _problem(self, request, pending, problems, status):
        context = {**self._about(pending), "problem": True, "problems": problems}
        return render(request, self.template_name, context, status=status)


class ProviderRegisteredView(LoginRequiredMixin, TemplateView):
    """The confirmation page, shown once, straight after registering."""

    template_name = "providers/registered.html"

    def get(self, request, *args, **kwargs):
        registered = request.session.pop(REGISTERED_SESSION_KEY, None)
        if registered is None or registered != request.user.provider_id:
            return redirect("core:dashboard")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, provider=self.request.user.provider)


def _as_form_data(answers: dict) -> dict:
    return {**answers, "password": "", "password_confirmation": ""}


def _answer_rows(answers: dict) -> list[dict]:
    """The check-your-answers summary: each answer in the words the visitor chose from."""
    questions = ProviderRegistrationForm.base_fields
    numbers = [
        f"{questions[field].label.removesuffix(' (optional)')}: {answers[field]}"
        for field in services.IDENTIFIER_FIELDS
        if answers.get(field)
    ]
    services_provided = list(
        CpvCode.objects.filter(code__in=answers["categories"]).values_list("description", flat=True)
    )
    regions = [label for code, label in Region.choices if code in answers["regions"]]
    rows = [
        ("Organisation name", [answers["name"]], "name"),
        ("Kind of organisation", [ProviderKind(answers["kind"]).label], "kind_0"),
        ("Legal form", [LegalForm(answers["legal_form"]).label], "legal_form_0"),
        ("Size", [SizeBand(answers["size_band"]).label], "size_band_0"),
        ("Register numbers", numbers or ["None given"], "companies_house_number"),
        ("Address", [*answers["address"].splitlines(), answers["postcode"]], "address"),
        ("Regions", regions, "regions_0"),
        ("Services", services_provided, "categories_0"),
        ("What your organisation does", [answers["capability_statement"]], "capability_statement"),
        ("Your name", [answers["admin_full_name"]], "admin_full_name"),
        ("Your email address", [answers["admin_email"]], "admin_email"),
    ]
    return [
        {"key": key, "lines": lines, "anchor": f"id_{anchor}", "change": key[0].lower() + key[1:]}
        for key, lines, anchor in rows
    ]


# --- the public provider page -------------------------------------------------------------


class ProviderPublicView(DetailView):
    template_name = "providers/public.html"
    context_object_name = "provider"

    def get_queryset(self):
        return selectors.public_providers(include_refused=is_platform_staff(self.request.user))

    def get_context_data(self, **kwargs):
        from accountability.selectors_public import provider_accountability

        provider = self.object
        show_exclusion = sees_exclusions(self.request.user)
        contracts = list(selectors.contracts_held(provider))
        return super().get_context_data(
            **kwargs,
            **provider_accountability(provider, contracts),
            regions=_region_labels(provider.regions),
            contracts=contracts,
            exclusion=selectors.exclusion_in_force(provider) if show_exclusion else None,
        )


def _region_labels(codes) -> list[str]:
    return [label for code, label in Region.choices if code in codes]


# --- the team -----------------------------------------------------------------------------


class ProviderTeamView(OrganisationTeamView):
    policy = provider_policy
    edit_url_name = "providers:edit"
    template_name = "providers/team.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        provider, user = self.object, self.request.user
        can_manage_team = provider_policy.can(user, provider, Action.MANAGE_TEAM)
        return {
            **context,
            "can_manage_team": can_manage_team,
            "rows": [
                {"member": member, "can_remove": can_manage_team and member.pk != user.pk}
                for member in context["members"]
            ],
            "invitations": list(selectors.pending_invitations(provider)) if can_manage_team else [],
            "identifiers": list(provider.identifiers.all()),
            "pending_change": selectors.pending_details_change(provider),
            "regions": _region_labels(provider.regions),
            "exclusion": selectors.exclusion_in_force(provider) if sees_exclusions(user) else None,
        }


def _with_role_label(invitation: Invitation) -> Invitation:
    invitation.role_label = Role(invitation.role).label
    return invitation


class ProviderEditView(OrganisationEditView):
    policy = provider_policy
    form_class = ProviderDetailsForm
    team_url_name = "providers:team"

    def get_initial(self):
        # A change waiting for staff is what the provider last told us: show that, so saving
        # the other details does not take it back.
        waiting = selectors.pending_details_change(self.object)
        return {**super().get_initial(), **(waiting.proposed() if waiting else {})}

    def perform(self, form):
        self.object = services.provider_update(
            provider=self.object, actor=self.request.user, **form.cleaned_data
        )
        if selectors.pending_details_change(self.object) is not None:
            self.success_message = (
                "Your organisation's details have been saved. Platform staff will check the "
                "change of size before it applies"
            )


class TeamActionMixin(RecordAccessMixin, ServiceFormMixin):
    """A page where the provider's admin changes the team: the provider is checked for
    MANAGE_TEAM before anything else happens, on GET as on POST."""

    policy = provider_policy
    action = Action.MANAGE_TEAM

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.provider = self.get_object()
            self.load_target()
        return super().dispatch(request, *args, **kwargs)

    def load_target(self):
        """Fetches the team's record the page acts on, once the provider is authorised."""

    def get_success_url(self):
        return reverse("providers:team", args=[self.provider.pk])

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, provider=self.provider)


class InviteColleagueView(TeamActionMixin, FormView):
    template_name = "providers/invite.html"
    form_class = InviteColleagueForm

    def perform(self, form):
        invitation = services.invitation_create(
            provider=self.provider, actor=self.request.user, **form.cleaned_data
        )
        messages.success(
            self.request, f"Invitation sent to {invitation.full_name} at {invitation.email}"
        )


class RevokeInvitationView(TeamActionMixin, FormView):
    template_name = "providers/invitation_revoke.html"
    form_class = ConfirmForm

    def load_target(self):
        self.invitation = get_object_or_404(
            Invitation, pk=self.kwargs["invitation_id"], provider=self.provider
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, invitation=self.invitation)

    def perform(self, form):
        services.invitation_revoke(invitation=self.invitation, actor=self.request.user)
        messages.success(self.request, f"Invitation for {self.invitation.full_name} revoked")


class RemoveColleagueView(TeamActionMixin, FormView):
    template_name = "providers/colleague_remove.html"
    form_class = ConfirmForm

    def load_target(self):
        self.member = get_object_or_404(
            User, pk=self.kwargs["user_id"], provider=self.provider, is_active=True
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, member=self.member)

    def perform(self, form):
        services.colleague_remove(
            provider=self.provider, member=self.member, actor=self.request.user
        )
        messages.success(self.request, f"{self.member.full_name} has been removed from your team")


# The secret is in the address and the page names the invited person: never stored.
@method_decorator(never_cache, name="dispatch")
class AcceptInvitationView(ServiceFormMixin, FormView):
    """The page the invitation email links to: the colleague chooses a password and is in."""

    template_name = "providers/invitation_accept.html"
    form_class = AcceptInvitationForm
    success_url = reverse_lazy("core:dashboard")

    def dispatch(self, request, *args, **kwargs):
        self.invitation = selectors.invitation_for_token(kwargs["token"])
        if request.user.is_authenticated:
            return self._unusable(
                f"You are signed in as {request.user.email}. Sign out, then open the "
                "invitation link again.",
                status=200,
            )
        problem = services.invitation_problem(self.invitation)
        if problem:
            return self._unusable(problem, status=404 if self.invitation is None else 410)
        return super().dispatch(request, *args, **kwargs)

    def _unusable(self, reason: str, *, status: int):
        return render(
            self.request, "providers/invitation_unusable.html", {"reason": reason}, status=status
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, invitation=self.invitation, role_label=Role(self.invitation.role).label
        )

    def perform(self, form):
        colleague = services.invitation_accept(
            token=self.kwargs["token"], password=form.cleaned_data["password"]
        )
        login(self.request, colleague, backend=SIGN_IN_BACKEND)
        messages.success(self.request, f"Welcome to {colleague.provider.name}")
