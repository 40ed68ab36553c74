"""Contract reviews: the officers' list of reviews awaiting sign-off, and each review."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.views.generic import FormView, ListView

from core.permissions import is_platform_staff
from core.views import RecordAccessMixin, ServiceFormMixin

from ..forms_kpis import ReviewSignOffForm
from ..models import ContractReview
from ..permissions import SIGN_OFF, contract_review_policy
from ..selectors_kpis import reviews_awaiting_sign_off
from ..services import reviews as review_services


class ReviewsDueView(LoginRequiredMixin, ListView):
    template_name = "reviews/list.html"
    context_object_name = "reviews"
    paginate_by = 50

    def get_queryset(self):
        user = self.request.user
        if is_platform_staff(user):
            return reviews_awaiting_sign_off(commissioner_id=None)
        if not getattr(user, "is_commissioner_user", False):
            raise PermissionDenied("Only a commissioner's users review contracts.")
        return reviews_awaiting_sign_off(commissioner_id=user.commissioner_id)


class ReviewView(RecordAccessMixin, ServiceFormMixin, FormView):
    """The review's figures; the sign-off form for the commissioner's officers."""

    template_name = "reviews/review.html"
    form_class = ReviewSignOffForm
    policy = contract_review_policy
    pk_url_kwarg = "review_id"
    success_message = "Review signed off"

    def get_object(self, queryset=None):
        return super().get_object(
            ContractReview.objects.select_related("contract__provider", "signed_off_by")
        )

    def can_sign_off(self) -> bool:
        review = self.get_object()
        return review.signed_off_at is None and contract_review_policy.can(
            self.request.user, review, SIGN_OFF
        )

    def get(self, request, *args, **kwargs):
        self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        # 404 first for a review the user may not see, then 403 if they may not sign it off.
        contract_review_policy.get_for(request.user, self.kwargs["review_id"], SIGN_OFF)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, review=self.get_object(), can_sign_off=self.can_sign_off()
        )

    def perform(self, form):
        review_services.review_sign_off(
            review=self.get_object(),
            actor=self.request.user,
            comments=form.cleaned_data["comments"],
            social_value_delivered=form.cleaned_data["social_value_delivered"],
        )

    def get_success_url(self):
        return reverse("kpis:review", args=[self.get_object().pk])
