from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "procurement.accounts"
    label = "accounts"
