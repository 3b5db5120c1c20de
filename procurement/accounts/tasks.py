"""Account housekeeping, run periodically by `celery -A config beat`."""

from celery import shared_task

from procurement.accounts.services import expired_credentials_delete
from procurement.core.tasks import periodic


@shared_task
@periodic
def delete_expired_credentials() -> int:
    return expired_credentials_delete()
