import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rounds.settings")
application = get_wsgi_application()


def _say_what_is_off() -> None:
    """A web process says once, at start, which webhooks refuse every call for want of a
    secret (a known default would let anyone forge them)."""
    from django.conf import settings

    if not settings.INBOUND_EMAIL_SECRET:
        logging.getLogger("rounds").warning(
            "INBOUND_EMAIL_SECRET is not set: the inbound email webhook (/hooks/email/inbound/) "
            "refuses every call until it is.")
    if not settings.SMS_AUTH_TOKEN:
        logging.getLogger("rounds").warning(
            "SMS_AUTH_TOKEN is not set: the text webhooks (/hooks/sms/inbound/, "
            "/hooks/sms/status/) refuse every call until it is.")


_say_what_is_off()


def _warm_match_indexes() -> None:
    """Load the match index snapshots (the most recently written first) before serving, so no
    page pays for them; a failure is logged, never fatal."""
    from django.db import connections

    from rounds.matching import index

    try:
        index.warm(limit=WARM_ORGANIZATIONS)
    except Exception:
        logging.getLogger("rounds").exception("Could not load the match index snapshots.")
    finally:
        connections.close_all()  # a forking server must not share this connection


WARM_ORGANIZATIONS = 20
_warm_match_indexes()
