"""The one request limiter of the project, for every way in with a password."""

import logging
import math

from django.utils.translation import gettext as _
from redis.exceptions import RedisError
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)


class AuthRateThrottle(ScopedRateThrottle):
    """AUTH_THROTTLE_RATE per client on register, confirm, login, password reset and the
    admin's login form; the client is its address (behind NUM_PROXIES proxies, the address
    they forwarded), or its account when it has logged in.

    The counts live in the cache, Redis when CACHE_URL is set. When Redis is down or does
    not answer within its socket time-outs the request goes through, logged: buyers and
    staff who cannot log in at all are a worse outcome than a short window without a limit.
    """

    scope = "auth"

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return SimpleRateThrottle.allow_request(self, request, view)
        except RedisError as error:
            logger.warning("throttling skipped, the cache did not answer: %s", error)
            return True


def try_again_in(wait: float | None) -> tuple[int, str]:
    """The whole seconds a throttled client waits (at least one) and the words saying so,
    the same on the API and the pages."""
    seconds = max(1, math.ceil(wait or 1))
    return seconds, _("Too many attempts. Try again in %(seconds)d seconds.") % {"seconds": seconds}
