from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "rounds.followups"
    label = "followups"
    verbose_name = "Respond now"

    def ready(self):
        from rounds.messaging import purposes
        from rounds.messaging.choices import MessageKind

        from . import actions

        purposes.register(purposes.Purpose(actions.ALERT, "a respond-now alert",
                                           kind=MessageKind.STAFF))
        # A reply nobody's feature answered waits for a person, with the clock running; any
        # reply that is a conversation moves the application it is about to "Engaged".
        purposes.on_needs_person(actions.open_for_reply)
        purposes.on_conversation(actions.advance_on_reply)
        purposes.on_review(actions.open_review)

        from rounds.activities import hooks as timeline

        timeline.on_response(actions.mark_responded)

        from rounds.pipeline import hooks

        hooks.on_added(actions.on_application_added)
        hooks.on_today(actions.today_section)

        from rounds.candidates import erasure

        from . import erasure as mine

        erasure.register("respond-now items (kept anonymous)", erase=mine.erase, order=20)
