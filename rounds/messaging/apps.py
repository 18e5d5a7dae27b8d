from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "rounds.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self):
        from . import optout, purposes
        from .choices import MessageKind

        purposes.register(
            purposes.Purpose(optout.OPTOUT_CONFIRMATION, "the confirmation of an opt-out",
                             kind=MessageKind.OPT_OUT_CONFIRMATION),
            purposes.Purpose(optout.OPTIN_CONFIRMATION, "the confirmation that texts are back",
                             kind=MessageKind.REQUESTED),
            purposes.Purpose(optout.ASKED_CONSENT_LINK, "the link confirming consent they "
                             "asked for", kind=MessageKind.REQUESTED),
        )
