from django.apps import AppConfig


class LocumsConfig(AppConfig):
    name = "rounds.locums"
    label = "locums"
    verbose_name = "Locum network"

    def ready(self):
        from rounds.messaging import purposes
        from rounds.messaging.choices import MessageKind, Topic

        from . import purposes as mine
        from . import replies
        from .ical import booking_attachments

        def purpose(name, label, kind=MessageKind.TRANSACTIONAL, **more):
            return purposes.Purpose(name, label, kind=kind, topic=Topic.LOCUMS, **more)

        purposes.register(
            purpose(mine.OFFER, "a locum shift offer", kind=MessageKind.COMMERCIAL,
                    still_wanted=replies.offers_not_wanted),
            purpose(mine.BOOKING, "a booked shift's confirmation",
                    attachments=booking_attachments),
            purpose(mine.BOOKING_CANCELLED, "a cancelled booking",
                    attachments=booking_attachments),
            purpose(mine.WAITLISTED_NOTICE, "word that a shift was filled: on the waitlist"),
            purpose(mine.SHIFT_CANCELLED, "word that a waitlisted shift was cancelled"),
            purpose(mine.ANSWER, "the answer to a YES or NO texted to an offer"),
            purpose(mine.WHICH_SHIFT, "“which shift?” after a YES naming none",
                    kind=MessageKind.REQUESTED),
            purpose(mine.COURTESY, "the answer to a YES from a number no one has",
                    kind=MessageKind.REQUESTED),
        )
        # A YES or NO texted to an offer is answered here; a YES from an unknown number gets a
        # polite "no match".
        purposes.on_reply(order=20)(replies.answer_reply)
        purposes.on_unmatched_text(replies.handle_unknown_sms)

        from rounds.candidates import erasure

        from . import erasure as mine

        erasure.register("locum network memberships (kept anonymous)", erase=mine.erase,
                         count=mine.count, order=20)
