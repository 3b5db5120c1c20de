from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "procurement.accounts"
    label = "accounts"

    def ready(self) -> None:
        from procurement.accounts.emails import register_emails

        register_emails()
