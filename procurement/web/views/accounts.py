"""Sign up with a confirmation link, log in and out with a session, a forgotten password."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from procurement.accounts import services
from procurement.core.errors import ApplicationError
from procurement.web import forms
from procurement.web.views.common import next_url, shows_refusals, throttled


@require_http_methods(["GET", "POST"])
def login_page(request: HttpRequest) -> HttpResponse:
    form = forms.LoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if refused := throttled(request):
            return refused
        status = 400
        if form.is_valid():
            try:
                user = services.user_authenticate(request=request, **form.cleaned_data)
            except ApplicationError as error:
                forms.show_refusal(form, error)
                status = error.status_code
            else:
                login(request, user)
                default = reverse("web:supplier" if user.is_supplier else "web:catalog")
                return HttpResponseRedirect(next_url(request, default))
    context = {"form": form, "next": next_url(request, "")}
    return render(request, "web/account/login.html", context, status=status)


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:catalog")


@require_http_methods(["GET", "POST"])
def register_page(request: HttpRequest) -> HttpResponse:
    form = forms.RegisterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if refused := throttled(request):
            return refused
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.user_register(
                    email=data["email"],
                    password=data["password"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    company=data["company"],
                    position=data["position"],
                    user_type=data["type"],
                    language=translation.get_language() or "",
                )
            except ApplicationError as error:
                forms.show_refusal(form, error)
                status = error.status_code
            else:
                return redirect("web:register-sent")
    return render(request, "web/account/register.html", {"form": form}, status=status)


def register_sent_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/account/register_sent.html")


@require_http_methods(["GET", "POST"])
def confirm_page(request: HttpRequest) -> HttpResponse:
    """The link of the confirmation email opens this page; only its button (a POST) confirms,
    so a mail scanner that fetches the link confirms nothing."""
    form = forms.ConfirmEmailForm(request.POST if request.method == "POST" else request.GET)
    status = 200
    if request.method == "POST":
        if refused := throttled(request):
            return refused
        if form.is_valid():
            try:
                services.user_confirm_email(**form.cleaned_data)
            except ApplicationError as error:
                forms.show_refusal(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Your email is confirmed. You can log in now."))
                return redirect("web:login")
        else:
            status = 400
    elif not form.is_valid():
        status = 400
    return render(request, "web/account/confirm.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def password_reset_page(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordResetForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if refused := throttled(request):
            return refused
        if form.is_valid():
            services.password_reset_request(email=form.cleaned_data["email"])
            return render(request, "web/account/password_reset_sent.html")
        status = 400
    return render(request, "web/account/password_reset.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@shows_refusals
def password_reset_confirm_page(request: HttpRequest) -> HttpResponse:
    """The link of the reset email opens this form; the token is spent only by its POST."""
    if request.method == "GET":
        form = forms.PasswordResetConfirmForm(initial={"token": request.GET.get("token", "")})
        return render(request, "web/account/password_reset_confirm.html", {"form": form})
    if refused := throttled(request):
        return refused
    form = forms.PasswordResetConfirmForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.password_reset_confirm(**form.cleaned_data)
        except ApplicationError as error:
            forms.show_refusal(form, error)
            status = error.status_code
        else:
            messages.success(request, _("Your password is changed. Log in with the new one."))
            return redirect("web:login")
    return render(request, "web/account/password_reset_confirm.html", {"form": form}, status=status)


@require_POST
def language_page(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also keeps the choice as the account's language when
    someone is logged in: the emails they get and the results of their price-list imports
    are written in it."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if (
        user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and language != getattr(user, "language", None)
    ):
        services.user_update(user=user, language=language)
    return response
