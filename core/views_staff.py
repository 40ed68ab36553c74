"""Staff corrections in the GOV.UK pattern: a question page, check your answers, then a
confirmation. Each correction is a `StaffFlow` declared in its app (accounts, commissioning,
providers) and calls one service, which checks, locks and audits; nothing here writes.

The answers wait in the session between the question page and the check page (as the
provider registration's do); the check page binds them to the form again, so a record that
changed or vanished meanwhile is caught before the service runs, and the service has the
last word. Pages answer 404 to everyone but platform staff, as a record they may not see
would."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from .errors import DomainError
from .permissions import is_platform_staff


class StaffOnlyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not is_platform_staff(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class StaffFlow:
    """One correction: its form, how its answers read on the check page, and its service.

    `prefill` maps query-string names to fields, so the admin can link to the question page
    with the record already chosen (`?contract=CM-C-000123`)."""

    slug: str
    title: str
    intro: str = ""
    form_class = None
    check_button: str = "Confirm"
    warning: str = ""
    prefill: dict[str, str] = {}

    def initial(self, from_link: dict) -> dict:
        """The question page's answers when the admin linked to it with the record chosen."""
        return from_link

    def rows(self, form) -> list[tuple[str, str]]:
        raise NotImplementedError

    def perform(self, form, *, actor) -> tuple[str, str]:
        """Calls the service; returns the confirmation's title and its one-line body."""
        raise NotImplementedError

    # URLs and the session's place for this flow's answers

    @property
    def session_key(self) -> str:
        return f"staff_flow:{self.slug}"

    def url(self, step: str = "") -> str:
        return reverse(f"staff:{self.slug}{'_' + step if step else ''}")


def _answers(form) -> dict:
    """What the person typed, field by field, for the session (strings, JSON-safe)."""
    return {name: form.data.get(name, "") for name in form.fields}


def _add_errors(form, error: DomainError) -> None:
    for field, problems in error.field_errors.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
    if not error.field_errors:
        form.add_error(None, error.message)


class StaffQuestionView(StaffOnlyMixin, View):
    flow: StaffFlow = None
    template_name = "staff/question.html"

    def _render(self, form):
        return render(self.request, self.template_name, {"form": form, "flow": self.flow})

    def get(self, request):
        saved = request.session.get(self.flow.session_key) or {}
        prefill = self.flow.prefill.items()
        from_link = {field: request.GET[name] for name, field in prefill if name in request.GET}
        # Coming back from the check page keeps the answers; a fresh link starts again.
        initial = self.flow.initial(from_link) if from_link else saved
        return self._render(self.flow.form_class(initial=initial))

    def post(self, request):
        form = self.flow.form_class(data=request.POST)
        if not form.is_valid():
            return self._render(form)
        request.session[self.flow.session_key] = _answers(form)
        return redirect(self.flow.url("check"))


class StaffCheckView(StaffOnlyMixin, View):
    flow: StaffFlow = None

    def _bound_form(self):
        saved = self.request.session.get(self.flow.session_key)
        if not saved:
            return None
        return self.flow.form_class(data=saved)

    def get(self, request):
        form = self._bound_form()
        if form is None or not form.is_valid():
            return redirect(self.flow.url())
        return render(
            request, "staff/check.html", {"flow": self.flow, "rows": self.flow.rows(form)}
        )

    def post(self, request):
        form = self._bound_form()
        if form is None:
            return redirect(self.flow.url())
        if form.is_valid():
            try:
                title, body = self.flow.perform(form, actor=request.user)
            except DomainError as error:
                _add_errors(form, error)
            else:
                del request.session[self.flow.session_key]
                request.session[f"{self.flow.session_key}:done"] = [title, body]
                return redirect(self.flow.url("done"))
        # Back to the question, with the answers kept and the problem in the error summary.
        return render(request, "staff/question.html", {"form": form, "flow": self.flow})


class StaffDoneView(StaffOnlyMixin, View):
    flow: StaffFlow = None

    def get(self, request):
        done = request.session.pop(f"{self.flow.session_key}:done", None)
        if done is None:
            return redirect("core:dashboard")
        title, body = done
        return render(request, "staff/done.html", {"flow": self.flow, "title": title, "body": body})


def flow_urls(flow: StaffFlow) -> list:
    from django.urls import path

    return [
        path(f"{flow.slug}/", StaffQuestionView.as_view(flow=flow), name=flow.slug),
        path(f"{flow.slug}/check/", StaffCheckView.as_view(flow=flow), name=f"{flow.slug}_check"),
        path(f"{flow.slug}/done/", StaffDoneView.as_view(flow=flow), name=f"{flow.slug}_done"),
    ]
