"""FollowUp, moved from the outreach app with its table: only Django's picture of it changes here."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('outreach', '0002_message_purpose'),
        ('candidates', '0005_candidate_muted_topics'),
        ('pipeline', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='FollowUp',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('reply', 'Reply'), ('application', 'New application'), ('call_task', 'Call task'), ('review', 'Needs a person')], max_length=16)),
                        ('status', models.CharField(choices=[('open', 'Open'), ('done', 'Answered'), ('dismissed', 'Dismissed')], default='open', max_length=12)),
                        ('note', models.CharField(blank=True, max_length=300)),
                        ('opened_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('due_at', models.DateTimeField()),
                        ('responded_at', models.DateTimeField(blank=True, null=True)),
                        ('response_seconds', models.PositiveIntegerField(blank=True, null=True)),
                        ('alerted_soon_at', models.DateTimeField(blank=True, null=True)),
                        ('alerted_late_at', models.DateTimeField(blank=True, null=True)),
                        ('application', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='pipeline.application')),
                        ('backup', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('candidate', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='follow_ups', to='candidates.candidate')),
                    ],
                    options={
                        'db_table': 'outreach_followup',
                        'ordering': ['due_at', 'id'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
