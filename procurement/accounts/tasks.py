"""Account housekeeping, run periodically by `celery -A config beat`."""

from celery import shared_task

from procurement.accounts.services import expired_credentials_delete


@shared_task
def delete_expired_credentials() -> int:
    return expired_credentials_delete()
