"""Sign in, sign out, and passwords: Django's own views, in GOV.UK templates.

Failed sign-ins are throttled by django-axes (settings.AXES_*), which answers a locked-out
client with accounts/locked_out.html.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy

from core.ratelimits import for_address, is_limited

from .forms import LoginForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from .services import password_reset_request


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    """The same answer, after the same work, for an address with an account and one without
    (accounts.services.password_reset_request). Limited per client address, and per email
    address whoever asks: beyond that the page still says "check your email", but no more
    emails go to that address."""

    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        if is_limited(request, group="password-reset", rate=settings.PASSWORD_RESET_RATE):
            return render(request, "errors/429.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if not is_limited(
            self.request,
            group="password-reset-address",
            rate=settings.PASSWORD_RESET_ADDRESS_RATE,
            key=for_address(email),
        ):
            password_reset_request(email=email, base_url=self.request.build_absolute_uri("/"))
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
