"""The jobs page for platform staff: what the scheduled jobs did, and when each last worked."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.views.generic import ListView

from .models import JobRun
from .permissions import is_platform_staff


class JobRunListView(LoginRequiredMixin, ListView):
    template_name = "jobs/list.html"
    context_object_name = "runs"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_platform_staff(request.user):
            raise PermissionDenied("Only platform staff can see the scheduled jobs.")
        return super().dispatch(request, *args, **kwargs)

    def selected_job(self) -> str:
        return self.request.GET.get("job", "")

    def get_queryset(self):
        runs = JobRun.objects.annotate(duration=F("finished_at") - F("started_at")).order_by(
            "-started_at", "-id"
        )
        if self.selected_job():
            runs = runs.filter(job=self.selected_job())
        return runs

    def get_context_data(self, **kwargs):
        last_successes = list(
            JobRun.objects.filter(status=JobRun.Status.SUCCEEDED)
            .order_by("job", "-started_at")
            .distinct("job")
        )
        jobs = sorted(JobRun.objects.order_by().values_list("job", flat=True).distinct())
        return super().get_context_data(
            **kwargs, jobs=jobs, selected_job=self.selected_job(), last_successes=last_successes
        )
