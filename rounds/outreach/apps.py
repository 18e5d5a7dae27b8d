import logging

from django.apps import AppConfig

log = logging.getLogger("rounds.outreach")


class OutreachConfig(AppConfig):
    name = "rounds.outreach"
    label = "outreach"
    verbose_name = "Outreach"

    def ready(self):
        from django.conf import settings

        if not settings.INBOUND_EMAIL_SECRET:
            log.warning("INBOUND_EMAIL_SECRET is not set: the inbound email webhook "
                        "(/hooks/email/inbound/) refuses every call until it is.")
