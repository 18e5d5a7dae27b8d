from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "rounds.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        from rounds.messaging import purposes
        from rounds.messaging.choices import MessageKind

        from . import meetings
        from .ical import meeting_attachments

        purposes.register(
            purposes.Purpose(meetings.OFFER, "an offer of a call or interview"),
            purposes.Purpose(meetings.CONFIRMATION, "a meeting's confirmation",
                             kind=MessageKind.TRANSACTIONAL, attachments=meeting_attachments),
            purposes.Purpose(meetings.CANCELLATION, "a meeting's cancellation",
                             kind=MessageKind.TRANSACTIONAL, attachments=meeting_attachments),
            purposes.Purpose(meetings.TAKEN, "word that a chosen time was taken",
                             kind=MessageKind.TRANSACTIONAL),
            purposes.Purpose(meetings.ORGANIZER, "the organizer's copy of a booking",
                             kind=MessageKind.STAFF, attachments=meeting_attachments),
            purposes.Purpose(meetings.ORGANIZER_CANCEL, "the organizer's copy of a cancellation",
                             kind=MessageKind.STAFF, attachments=meeting_attachments),
        )
        purposes.on_reply(order=30)(meetings.answer_reply)

        from rounds.pipeline import hooks

        hooks.on_cards(meetings.attach_meetings)  # the call each application waits for

        from rounds.candidates import erasure

        from . import erasure as mine

        erasure.register("meetings (kept anonymous)", erase=mine.erase, count=mine.count,
                         order=20)
