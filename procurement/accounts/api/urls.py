from django.urls import path

from procurement.accounts.api import views

urlpatterns = [
    path("user/register", views.RegisterView.as_view(), name="user-register"),
    path("user/register/confirm", views.ConfirmEmailView.as_view(), name="user-register-confirm"),
    path("user/login", views.LoginView.as_view(), name="user-login"),
    path("user/logout", views.LogoutView.as_view(), name="user-logout"),
    path("user/details", views.UserDetailsView.as_view(), name="user-details"),
    path("user/contact", views.ContactView.as_view(), name="user-contact"),
    path("user/password_reset", views.PasswordResetView.as_view(), name="user-password-reset"),
    path(
        "user/password_reset/confirm",
        views.PasswordResetConfirmView.as_view(),
        name="user-password-reset-confirm",
    ),
]
