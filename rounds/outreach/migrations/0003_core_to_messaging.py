"""The messaging core (Thread, Message, Suppression, WebhookEvent, OutreachSettings), Meeting
(scheduling) and FollowUp (followups) left this app with their tables, which stay where they
are: only Django's picture of this app changes here."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("outreach", "0002_message_purpose"),
        ("messaging", "0001_initial"),
        ("scheduling", "0001_initial"),
        ("followups", "0002_initial"),
        ("locums", "0002_alter_shiftoffer_message"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="FollowUp"),
                migrations.DeleteModel(name="Meeting"),
                migrations.DeleteModel(name="WebhookEvent"),
                migrations.DeleteModel(name="Message"),
                migrations.DeleteModel(name="Thread"),
                migrations.DeleteModel(name="Suppression"),
                migrations.DeleteModel(name="OutreachSettings"),
            ],
            database_operations=[],
        ),
    ]
