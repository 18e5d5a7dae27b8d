"""Signing in and keeping an account safe: the password step and the code step, password reset
by email, setting up two-factor sign-in, the organization's sign-in policy, and an owner's
resets for someone else. Throttling is in throttle.py, the session policy in middleware.py."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rounds.lib.forms import add_errors
from rounds.lib.http import client_ip
from rounds.lib.permissions import admin_required, member_required
from rounds.lib.tenancy import access_object

from . import actions, throttle, twofactor
from .forms import (
    CodeForm,
    LoginForm,
    PasswordConfirmForm,
    PasswordResetRequestForm,
    SignInPolicyForm,
)
from .middleware import signed_out_notice, start_session
from .models import Organization, TwoFactorDevice, User

log = logging.getLogger(__name__)

PENDING = "accounts.two_factor_pending"  # a password checked, the code still to come
PENDING_SECONDS = 10 * 60
SETUP_SECRET = "accounts.two_factor_setup"


def minutes_text(n: int) -> str:
    return f"{n} minute{'s' if n != 1 else ''}"


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


# --- the password step -------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Email sign-in. The same answer whether or not the email exists. Every password check is
    counted first (throttle.py) and refused past the limits with how long to wait; someone with
    two-factor sign-in goes on to the code step, still signed out."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    attempt: throttle.Attempt | None = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("signed_out", signed_out_notice(self.request))
        return context

    def post(self, request, *args, **kwargs):
        email = request.POST.get("username", "").strip()
        if email and request.POST.get("password"):
            self.attempt = throttle.sign_in_attempt(email, client_ip(request))
            if not self.attempt.allowed:
                return self.throttled(email)
        return super().post(request, *args, **kwargs)

    def throttled(self, email: str):
        attempt = self.attempt
        if attempt.first_refusal:
            scopes = ", ".join(limit.scope for limit in attempt.refused_by)
            actions.record_sign_in_refused(
                email,
                f"too many attempts ({scopes} limit); refused for "
                f"{minutes_text(attempt.wait_minutes)}",
                ip=client_ip(self.request),
            )
        # An unbound form: validating it would check the password, which is what we refuse.
        form = self.get_form_class()(self.request, initial={"username": email})
        context = self.get_context_data(
            form=form, throttled=True, wait=minutes_text(attempt.wait_minutes)
        )
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(attempt.retry_after)
        return response

    def form_invalid(self, form):
        if self.attempt is not None:  # a password was checked, and it didn't match
            actions.record_sign_in_refused(
                self.request.POST.get("username", ""), "wrong password", ip=client_ip(self.request)
            )
        return super().form_invalid(form)

    def form_valid(self, form):
        user = form.get_user()
        if self.attempt is not None:
            throttle.signed_in(self.attempt)
        if twofactor.has_two_factor(user):
            self.request.session.cycle_key()  # a session id planted before is worth nothing
            self.request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "at": timezone.now().timestamp(),
                "hash": user.get_session_auth_hash(),
                "next": self.get_success_url(),
            }
            return redirect("accounts:login_code")
        start_session(self.request, user, user.backend)
        return HttpResponseRedirect(self.get_success_url())


# --- the code step -----------------------------------------------------------------------------


def _pending_user(request) -> tuple[User | None, dict]:
    """The person whose password was checked in this browser, if the code step is still open:
    started less than ten minutes ago, the same password since, two-factor still on."""
    pending = request.session.get(PENDING) or {}
    if not pending or timezone.now().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        return None, pending
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or not twofactor.has_two_factor(user):
        return None, pending
    if not constant_time_compare(user.get_session_auth_hash(), pending.get("hash", "")):
        return None, pending
    return user, pending


@never_cache
def sign_in_code(request):
    """The second step: a code from the authenticator app, or a recovery code. Until it is
    right the browser holds no session of the user, only the note that the password was."""
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        if pending:
            messages.info(
                request,
                "Your sign-in waited too long for its code. Sign in again with your password.",
            )
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        attempt = throttle.code_attempt(user.pk)
        if not attempt.allowed:
            request.session.pop(PENDING, None)
            if attempt.first_refusal:
                actions.record_sign_in_refused(
                    user.email,
                    "too many wrong two-factor codes; refused for "
                    f"{minutes_text(attempt.wait_minutes)}",
                    ip=ip,
                )
            response = render(
                request,
                "accounts/login_code.html",
                {"throttled": True, "wait": minutes_text(attempt.wait_minutes)},
                status=429,
            )
            response["Retry-After"] = str(attempt.retry_after)
            return response
        kind = twofactor.verify(user, form.cleaned_data["code"])
        if kind:
            throttle.code_accepted(user.pk)
            request.session.pop(PENDING, None)
            start_session(request, user, pending["backend"])
            if kind == twofactor.RECOVERY_CODE:
                left = twofactor.recovery_codes_left(user)
                actions.record_sign_in_used_recovery_code(user, left=left, ip=ip)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} of them "
                    "left. Make new ones on your two-factor page if you "
                    "are running low or lost your phone.",
                )
            return redirect(pending.get("next") or "today")
        actions.record_sign_in_refused(user.email, "wrong two-factor code", ip=ip)
        form.add_error(
            "code",
            "That code doesn't match. Codes change every 30 seconds: type "
            "the one your app shows now, or one of your recovery codes.",
        )
    return render(request, "accounts/login_code.html", {"form": form})


# --- password reset by email -------------------------------------------------------------------


@never_cache
def password_reset(request):
    """Ask for a link to choose a new password. The same answer whether or not the address has
    an account; requests are throttled so nobody can flood an inbox."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip()
        ip = client_ip(request)
        attempt = throttle.reset_attempt(email, ip)
        if not attempt.allowed:
            response = render(
                request,
                "accounts/password_reset.html",
                {
                    "form": form,
                    "throttled": True,
                    "wait": minutes_text(attempt.wait_minutes),
                },
                status=429,
            )
            response["Retry-After"] = str(attempt.retry_after)
            return response
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is not None:
            try:
                with transaction.atomic():
                    actions.do_send_password_reset(user, ip=ip)
            except Exception:  # noqa: BLE001 — the answer must not differ; the log says why
                log.exception("Sending a password reset link to user %s failed", user.pk)
        return redirect("accounts:password_reset_sent")
    return render(request, "accounts/password_reset.html", {"form": form})


@never_cache
def password_reset_sent(request):
    return render(
        request,
        "accounts/password_reset_sent.html",
        {"minutes": minutes_text(actions.reset_link_minutes())},
    )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the email: choose a new password. A link that doesn't work (used, expired,
    mistyped, or for a deactivated account) is a 404 with a way to ask for a new one. Using it
    clears the account's sign-in throttle; it signs nobody in (two-factor still applies)."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and response.status_code == 200:  # not the move to set-password/
            response.status_code = 404
        response["Referrer-Policy"] = "same-origin"
        return response

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            actions.do_complete_password_reset(self.user, ip=client_ip(self.request))
        messages.success(self.request, "Your password is changed. Sign in with it now.")
        return response


# --- two-factor sign-in, for oneself -----------------------------------------------------------


def _recovery_codes_page(request, codes: list[str], *, first: bool):
    return _no_store(
        render(
            request,
            "accounts/recovery_codes.html",
            {"nav": "account", "codes": codes, "first": first},
        )
    )


def _password_checked(request, form: PasswordConfirmForm) -> bool:
    """The signed-in person typed their own password (throttled like a sign-in)."""
    if not form.is_valid():
        return False
    attempt = throttle.sign_in_attempt(request.user.email, client_ip(request))
    if not attempt.allowed:
        form.add_error(
            "password",
            f"Too many wrong passwords. Wait {minutes_text(attempt.wait_minutes)} and try again.",
        )
        return False
    if not request.user.check_password(form.cleaned_data["password"]):
        form.add_error("password", "That isn't your password.")
        return False
    throttle.signed_in(attempt)
    return True


@member_required
def two_factor(request):
    """Whether two-factor sign-in is on, and the ways to change it (each asks the password)."""
    user = request.user
    off_form = PasswordConfirmForm(prefix="off")
    renew_form = PasswordConfirmForm(prefix="renew")
    if request.method == "POST":
        if "off-password" in request.POST:
            off_form = PasswordConfirmForm(request.POST, prefix="off")
            if _password_checked(request, off_form):
                try:
                    with transaction.atomic():
                        actions.do_disable_two_factor(user)
                except ValidationError as exc:
                    add_errors(off_form, exc)
                else:
                    messages.success(
                        request, "Two-factor sign-in is off. You sign in with your password alone."
                    )
                    return redirect("accounts:two_factor")
        elif "renew-password" in request.POST:
            renew_form = PasswordConfirmForm(request.POST, prefix="renew")
            if _password_checked(request, renew_form):
                try:
                    with transaction.atomic():
                        codes = actions.do_new_recovery_codes(user)
                except ValidationError as exc:
                    add_errors(renew_form, exc)
                else:
                    return _recovery_codes_page(request, codes, first=False)
    device = TwoFactorDevice.objects.filter(user=user).first()
    return render(
        request,
        "accounts/two_factor.html",
        {
            "nav": "account",
            "device": device,
            "off_form": off_form,
            "renew_form": renew_form,
            "codes_left": twofactor.recovery_codes_left(user) if device else 0,
            "required": user.organization.require_two_factor,
        },
    )


@member_required
def two_factor_setup(request):
    """Scan the QR code (or type the secret shown under it), then prove it with a code. A new
    authenticator replaces the old one only once its code is right."""
    user = request.user
    secret = request.session.get(SETUP_SECRET)
    if not secret:
        secret = request.session[SETUP_SECRET] = twofactor.new_secret()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        step = twofactor.matching_step(secret, form.cleaned_data["code"])
        if step is not None:
            with transaction.atomic():
                codes = actions.do_enable_two_factor(user, secret=secret, step=step)
            request.session.pop(SETUP_SECRET, None)
            return _recovery_codes_page(request, codes, first=True)
        form.add_error(
            "code",
            "That code doesn't match. Check that the app shows Rounds with "
            "your email, and type the 6 digits it shows now.",
        )
    has_device = twofactor.has_two_factor(user)
    uri = twofactor.provisioning_uri(secret, user.email)
    return _no_store(
        render(
            request,
            "accounts/two_factor_setup.html",
            {
                "nav": "account",
                "form": form,
                "secret": twofactor.grouped(secret),
                "qr": twofactor.qr_svg(
                    uri, label="QR code to add Rounds to your authenticator app"
                ),
                "replacing": has_device,
                "required": user.organization.require_two_factor and not has_device,
            },
        )
    )


# --- the organization's sign-in policy, and an owner's resets ------------------------------------


@admin_required
def sign_in_policy(request):
    org = request.user.organization
    # The form works on its own copy: a ModelForm writes into its instance while validating.
    form = SignInPolicyForm(request.POST or None, instance=Organization.objects.get(pk=org.pk))
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                actions.do_update_sign_in_policy(
                    org,
                    actor=request.user,
                    **{k: form.cleaned_data[k] for k in actions.SIGN_IN_POLICY_FIELDS},
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Sign-in settings saved.")
            return redirect("accounts:sign_in_policy")
    people = User.objects.visible_to(request.user).filter(is_active=True)
    return render(
        request,
        "accounts/sign_in_policy.html",
        {
            "nav": "settings",
            "form": form,
            "org": org,
            "without_two_factor": people.filter(two_factor__isnull=True).count(),
            "people": people.count(),
        },
    )


@admin_required
@require_POST
def user_password_reset(request, pk: int):
    """An owner/admin emails someone a link to choose a new password (they never see it)."""
    person = access_object(User, request.user, pk=pk)
    try:
        with transaction.atomic():
            actions.do_send_password_reset(person, actor=request.user, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"A link to choose a new password is on its way to "
            f"{person.email}. It works once, for "
            f"{minutes_text(actions.reset_link_minutes())}.",
        )
    return redirect("accounts:users")


@admin_required
@require_POST
def user_two_factor_reset(request, pk: int):
    """An owner/admin removes someone's authenticator (a lost phone)."""
    person = access_object(User, request.user, pk=pk)
    try:
        with transaction.atomic():
            actions.do_reset_two_factor(person, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        then = (
            "they'll be asked to set up a new authenticator app before they go on"
            if request.user.organization.require_two_factor
            else "they sign in with their password alone until they set it up again"
        )
        messages.success(request, f"{person}'s two-factor sign-in is reset: {then}.")
    return redirect("accounts:users")
