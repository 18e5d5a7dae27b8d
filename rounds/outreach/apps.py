from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "rounds.outreach"
    label = "outreach"
    verbose_name = "Outreach"

    def ready(self):
        from rounds.messaging import purposes

        from . import actions, campaigns, sequences

        purposes.register(
            purposes.Purpose(actions.MESSAGE, "a message a recruiter wrote"),
            purposes.Purpose(actions.REPLY, "an answer to the candidate's reply"),
            purposes.Purpose(actions.REJECTION, "the note after a decision"),
            purposes.Purpose(campaigns.CAMPAIGN, "a campaign", automated=True),
            purposes.Purpose(sequences.STEP, "a step of a sequence", automated=True,
                             still_wanted=sequences.steps_not_wanted),
        )
        # A reply or an opt-out stops every sequence of the candidate at once.
        purposes.on_every_reply(sequences.stop_on_reply)
        purposes.on_opt_out(sequences.stop_on_opt_out)

        from rounds.candidates import erasure

        from . import erasure as mine

        erasure.register("sequences stopped", erase=mine.erase, order=20)
