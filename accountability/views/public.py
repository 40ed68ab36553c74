"""Citizens' pages: the complaint form, one question a page, and the private tracking page.

Citizens have no account. Answers are kept in the session between pages, and uploaded files
as PendingAttachment rows against the session, until the check-your-answers page submits
them all in one go."""

import secrets
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from core.dbclock import db_now
from core.errors import DomainError
from core.ratelimits import is_limited
from core.uploads import check_upload
from core.views import ServiceFormMixin

from ..choices import ComplaintCategory, ComplaintStatus
from ..forms_public import (
    AttachmentForm,
    ChooseServiceForm,
    ContactForm,
    FindServiceForm,
    Stage2Form,
    SubmitComplaintForm,
    TrackForm,
    WhatWentWrongForm,
    WhenAndWhereForm,
)
from ..models import PendingAttachment
from ..selectors import complainable_contract, complaint_for_tracking, contracts_matching
from ..services import complaints as complaint_services

ANSWERS = "complaint_answers"
DONE = "complaint_done"
STEPS = ("service", "what", "when", "files", "contact", "check")


def _too_many(request):
    return render(request, "complaints/too_many_requests.html", status=429)


def _limited(request, group: str, rate: str) -> bool:
    # Per client address (core.clientip); lets the request through if the cache is down.
    return is_limited(request, group=group, rate=rate)


def _duration(minutes: int) -> str:
    if minutes % 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{minutes // 60} hour{'s' if minutes != 60 else ''}"


def _not_found(request):
    return render(request, "complaints/not_found.html", status=404)


def _answers(request) -> dict:
    return request.session.get(ANSWERS, {})


def _save_answers(request, **values):
    request.session[ANSWERS] = {**_answers(request), **values}


def _session_key(request) -> str:
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def _pending(request):
    key = request.session.session_key
    if not key:
        return PendingAttachment.objects.none()
    return PendingAttachment.objects.filter(session_key=key).order_by("uploaded_at", "id")


def _step_url(step: str, *, change: bool = False) -> str:
    url = reverse(f"public:complaint_{step}")
    return f"{url}?change=1" if change else url


class ComplaintStepMixin:
    """A page of the complaint form after the first: needs a chosen service; returns to the
    check-your-answers page when it was opened from a Change link."""

    step = ""

    def dispatch(self, request, *args, **kwargs):
        self.contract = complainable_contract(_answers(request).get("contract"))
        if self.contract is None:
            return redirect("public:complaint_service")
        return super().dispatch(request, *args, **kwargs)

    @property
    def changing(self) -> bool:
        return self.request.GET.get("change") == "1"

    def next_url(self) -> str:
        if self.changing:
            return reverse("public:complaint_check")
        return _step_url(STEPS[STEPS.index(self.step) + 1])

    def back_url(self) -> str:
        if self.changing:
            return reverse("public:complaint_check")
        return _step_url(STEPS[STEPS.index(self.step) - 1])

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, contract=self.contract, back_url=self.back_url())


class ServiceView(TemplateView):
    """Find the service: from a contract's or provider's page (?contract=<id>), or by search."""

    template_name = "complaints/service.html"

    def get(self, request, *args, **kwargs):
        change = request.GET.get("change") == "1"
        if "contract" in request.GET:
            contract = complainable_contract(request.GET["contract"])
            if contract is not None:
                _save_answers(request, contract=contract.pk)
                return redirect(_step_url("check") if change else _step_url("what"))
        if "q" in request.GET:
            find_form = FindServiceForm(request.GET)
            contracts = contracts_matching(request.GET["q"]) if find_form.is_valid() else []
            choose_form = ChooseServiceForm(
                contracts=contracts, initial={"contract": _answers(request).get("contract")}
            )
        else:
            find_form, contracts, choose_form = FindServiceForm(), [], None
        return self.render_to_response(
            self.get_context_data(
                find_form=find_form,
                form=find_form,
                contracts=contracts,
                choose_form=choose_form,
                searched="q" in request.GET,
                change=change,
            )
        )

    def post(self, request, *args, **kwargs):
        change = request.GET.get("change") == "1"
        query = request.POST.get("q", "")
        find_form = FindServiceForm({"q": query})
        contracts = contracts_matching(query) if find_form.is_valid() else []
        choose_form = ChooseServiceForm(request.POST, contracts=contracts)
        if choose_form.is_valid():
            _save_answers(request, contract=choose_form.cleaned_data["contract"])
            return redirect(_step_url("check") if change else _step_url("what"))
        return self.render_to_response(
            self.get_context_data(
                find_form=find_form,
                form=choose_form,
                contracts=contracts,
                choose_form=choose_form,
                searched=True,
                change=change,
            )
        )


class AnswersStepView(ComplaintStepMixin, FormView):
    """A question page whose answers go straight into the session."""

    heading = ""

    def get_initial(self):
        return {name: _answers(self.request).get(name) for name in self.form_class.base_fields}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, heading=self.heading)

    def form_valid(self, form):
        values = {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in form.cleaned_data.items()
        }
        _save_answers(self.request, **values, **{f"done_{self.step}": True})
        return redirect(self.next_url())


class WhatWentWrongView(AnswersStepView):
    step = "what"
    form_class = WhatWentWrongForm
    template_name = "complaints/question.html"
    heading = "What went wrong?"


class WhenAndWhereView(AnswersStepView):
    step = "when"
    form_class = WhenAndWhereForm
    template_name = "complaints/question.html"
    heading = "When and where did it happen?"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "today": timezone.localtime(db_now()).date()}

    def get_initial(self):
        initial = super().get_initial()
        if initial.get("occurred_on"):
            initial["occurred_on"] = date.fromisoformat(initial["occurred_on"]).strftime("%d/%m/%Y")
        return initial


class FilesView(ComplaintStepMixin, FormView):
    """Optional photos or documents. Each upload is checked and kept at once, so a file is
    never lost if the citizen goes back or makes a mistake on a later page."""

    step = "files"
    form_class = AttachmentForm
    template_name = "complaints/files.html"
    # One file and the form's few fields: a larger body is refused before it is read.
    max_request_bytes = complaint_services.MAX_ATTACHMENT_BYTES + 64 * 1024

    def post(self, request, *args, **kwargs):
        # Per client address: an anonymous form must not be a free place to store files.
        if request.FILES and _limited(request, "complaint-upload", settings.COMPLAINT_UPLOAD_RATE):
            return _too_many(request)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            attachments=list(_pending(self.request)),
            max_attachments=complaint_services.MAX_ATTACHMENTS,
            keep_for=_duration(settings.COMPLAINT_UPLOAD_KEEP_MINUTES),
        )

    def form_valid(self, form):
        upload = form.cleaned_data.get("file")
        if upload:
            try:
                self._keep(upload)
            except DomainError as error:
                for problem in error.field_errors.get("file", [error.message]):
                    form.add_error("file", problem)
                return self.form_invalid(form)
        if upload or self.request.POST.get("action") == "upload":
            if not upload:
                form.add_error("file", "Select a file to upload")
                return self.form_invalid(form)
            url = reverse("public:complaint_files")
            return redirect(f"{url}?change=1" if self.changing else url)
        _save_answers(self.request, done_files=True)
        return redirect(self.next_url())

    def _keep(self, upload):
        if _pending(self.request).count() >= complaint_services.MAX_ATTACHMENTS:
            message = f"You can add up to {complaint_services.MAX_ATTACHMENTS} files"
            raise DomainError(message, field_errors={"file": [message]})
        checked = check_upload(upload, max_bytes=complaint_services.MAX_ATTACHMENT_BYTES)
        pending = PendingAttachment(
            session_key=_session_key(self.request),
            original_name=checked.name[:255],
            content_type=checked.content_type,
            size=checked.size,
        )
        pending.file.save(checked.name, ContentFile(checked.content), save=False)
        pending.save()


class RemoveFileView(View):
    def post(self, request, pk):
        for pending in _pending(request).filter(pk=pk):
            pending.file.delete(save=False)
            pending.delete()
        url = reverse("public:complaint_files")
        return redirect(f"{url}?change=1" if request.GET.get("change") == "1" else url)


class ContactView(AnswersStepView):
    step = "contact"
    form_class = ContactForm
    template_name = "complaints/question.html"
    heading = "Your contact details"


@method_decorator(never_cache, name="dispatch")
class CheckAnswersView(ComplaintStepMixin, ServiceFormMixin, FormView):
    step = "check"
    form_class = SubmitComplaintForm
    template_name = "complaints/check.html"

    def dispatch(self, request, *args, **kwargs):
        answers = _answers(request)
        for step in STEPS[1:-1]:
            if not answers.get(f"done_{step}"):
                if complainable_contract(answers.get("contract")) is None:
                    return redirect("public:complaint_service")
                return redirect(_step_url(step))
        return super().dispatch(request, *args, **kwargs)

    def back_url(self):
        return _step_url("contact")

    def post(self, request, *args, **kwargs):
        if _limited(request, "complaint-submit", settings.COMPLAINT_SUBMIT_RATE):
            return _too_many(request)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        answers = _answers(self.request)
        occurred_on = answers.get("occurred_on")
        return super().get_context_data(
            **kwargs,
            answers=answers,
            category_label=ComplaintCategory(answers["category"]).label,
            occurred_on=date.fromisoformat(occurred_on) if occurred_on else None,
            anonymous=answers.get("contact") == ContactForm.ANONYMOUS,
            attachments=list(_pending(self.request)),
            change={step: _step_url(step, change=True) for step in STEPS},
        )

    def perform(self, form):
        answers = _answers(self.request)
        if form.cleaned_data.get("website"):
            # A robot filled the hidden field: it sees the usual confirmation, nothing is kept.
            self.done = {
                "reference": f"CMP-{timezone.localdate().year}-{secrets.randbelow(10**6):06d}",
                "emailed": bool(answers.get("email")),
            }
            return
        occurred_on = answers.get("occurred_on")
        complaint, _token = complaint_services.complaint_submit(
            contract=self.contract,
            category=answers.get("category", ""),
            description=answers.get("description", ""),
            occurred_on=date.fromisoformat(occurred_on) if occurred_on else None,
            location=answers.get("location", ""),
            postcode=answers.get("postcode", ""),
            attachments=list(_pending(self.request)),
            complainant_name=answers.get("name", ""),
            complainant_email=answers.get("email", ""),
            complainant_phone=answers.get("phone", ""),
        )
        self.done = {"reference": complaint.reference, "emailed": bool(complaint.complainant_email)}

    def get_success_url(self):
        self.request.session.pop(ANSWERS, None)
        self.request.session[DONE] = self.done
        return reverse("public:complaint_done")


@method_decorator(never_cache, name="dispatch")
class ConfirmationView(TemplateView):
    template_name = "complaints/confirmation.html"

    def get(self, request, *args, **kwargs):
        done = request.session.get(DONE)
        if not done:
            return redirect("public:complaint_service")
        return self.render_to_response(
            self.get_context_data(
                **done,
                acknowledge_days=settings.COMPLAINT_ACKNOWLEDGE_DAYS,
                response_days=settings.COMPLAINT_STAGE1_RESPONSE_DAYS,
            )
        )


class TrackStartView(FormView):
    """Opens a complaint from its reference and the secret code in the private link."""

    template_name = "complaints/track_start.html"
    form_class = TrackForm

    def post(self, request, *args, **kwargs):
        if _limited(request, "complaint-track", settings.COMPLAINT_TRACK_RATE):
            return _too_many(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        reference = form.cleaned_data["reference"].strip().upper()
        code = form.cleaned_data["code"].strip().rstrip("/").rsplit("/", 1)[-1]
        complaint = complaint_for_tracking(reference, code)
        if complaint is None:
            return _not_found(self.request)
        return redirect("public:track_complaint", complaint.reference, code)


def _private(response):
    # The secret is in the address: it must not leak to other sites or shared caches.
    # same-origin, not no-referrer: the secret address never leaves the site, but the
    # browser still sends an Origin header, which the stage 2 form's CSRF check needs.
    response["Referrer-Policy"] = "same-origin"
    return response


@method_decorator(never_cache, name="dispatch")
class TrackComplaintView(View):
    template_name = "complaints/track.html"

    def dispatch(self, request, reference, token):
        if _limited(request, "complaint-track", settings.COMPLAINT_TRACK_RATE):
            return _private(_too_many(request))
        self.complaint = complaint_for_tracking(reference, token)
        if self.complaint is None:
            return _private(_not_found(request))
        self.token = token
        return _private(super().dispatch(request))

    def _render(self, form, status=200):
        complaint = self.complaint
        can_request_stage2 = not complaint_services.stage2_problem(complaint)
        return render(
            self.request,
            self.template_name,
            {
                "complaint": complaint,
                "responses": list(complaint.responses.all()),
                "can_request_stage2": can_request_stage2,
                "stage2_form": form if can_request_stage2 else None,
                "form": form,
                "is_closed": complaint.status == ComplaintStatus.CLOSED,
                "stage2_days": settings.COMPLAINT_STAGE2_RESPONSE_DAYS,
            },
            status=status,
        )

    def get(self, request):
        return self._render(Stage2Form())

    def post(self, request):
        form = Stage2Form(request.POST)
        if form.is_valid():
            try:
                complaint_services.complaint_request_stage2(
                    complaint=self.complaint, token_holder=True, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                for field, problems in (error.field_errors or {None: [error.message]}).items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
                return self._render(form)
            return redirect(
                reverse("public:track_complaint", args=[self.complaint.reference, self.token])
                + "?stage2=1"
            )
        return self._render(form)
