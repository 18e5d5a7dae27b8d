"""FollowUp's relations, as they were in the outreach app: only Django's picture changes here."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('outreach', '0002_message_purpose'),
        ('accounts', '0003_organization_distance_unit'),
        ('followups', '0001_initial'),
        ('messaging', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name='followup',
                    name='message',
                    field=models.ForeignKey(blank=True, help_text='The inbound message that opened it.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='follow_ups', to='messaging.message'),
                ),
                migrations.AddField(
                    model_name='followup',
                    name='organization',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organization'),
                ),
                migrations.AddField(
                    model_name='followup',
                    name='owner',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AddIndex(
                    model_name='followup',
                    index=models.Index(fields=['organization', 'status', 'due_at'], name='followup_open'),
                ),
                migrations.AddIndex(
                    model_name='followup',
                    index=models.Index(fields=['candidate', 'status'], name='followup_candidate'),
                ),
            ],
            database_operations=[],
        ),
    ]
