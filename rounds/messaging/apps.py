from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "rounds.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self):
        from . import optout, purposes
        from .choices import MessageKind
        from .erasure import ERASURE_LINK

        purposes.register(
            purposes.Purpose(optout.OPTOUT_CONFIRMATION, "the confirmation of an opt-out",
                             kind=MessageKind.OPT_OUT_CONFIRMATION),
            purposes.Purpose(optout.OPTIN_CONFIRMATION, "the confirmation that texts are back",
                             kind=MessageKind.REQUESTED),
            purposes.Purpose(optout.ASKED_CONSENT_LINK, "the link confirming consent they "
                             "asked for", kind=MessageKind.REQUESTED),
            purposes.Purpose(ERASURE_LINK, "the link confirming the erasure they "
                             "asked for", kind=MessageKind.REQUESTED),
        )
        # Accounts' emails (invitations, password resets) go through the outbox too; accounts
        # is below the core, so the core registers their purposes and lends its writer.
        from rounds.accounts import mail as account_mail
        from rounds.accounts.choices import AccountEmail

        from . import outbox

        purposes.register(*(
            purposes.Purpose(account_mail.purpose_name(what), label.lower(),
                             kind=MessageKind.STAFF) for what, label in AccountEmail.choices
        ))
        account_mail.install(write=outbox.account_email, read=outbox.latest_about)

        # Email providers' delivery events and inbound email, through django-anymail.
        from anymail.signals import inbound, tracking
        from django.conf import settings

        from . import receipts

        tracking.connect(receipts.on_tracking, dispatch_uid="rounds.messaging.tracking")
        inbound.connect(receipts.on_inbound, dispatch_uid="rounds.messaging.inbound")
        if settings.EMAIL_BACKEND.startswith("anymail.") and not (
                getattr(settings, "ANYMAIL", None) or {}).get("WEBHOOK_SECRET"):
            import logging

            logging.getLogger(__name__).warning(
                "Email provider webhooks are off (404) until ANYMAIL_WEBHOOK_SECRET is set: "
                "delivery events won't settle messages that may have been sent.")

        # Erasing a candidate removes their messages; their suppressions stay, hashed.
        from rounds.candidates import erasure

        from . import erasure as mine

        erasure.register("messages", erase=mine.erase_messages, count=mine.count_messages,
                         order=10)
        erasure.register("suppressed addresses (kept as a hash)",
                         erase=mine.hash_suppressions, order=11)
