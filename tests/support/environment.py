"""Loaded by pytest (`-p`) before Django reads its settings: the test run is local HTTP.

Every other setting keeps its production default.
"""

import os

for name in ["SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"]:
    os.environ.setdefault(name, "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("LOG_FORMAT", "plain")
