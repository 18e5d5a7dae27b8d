"""Meeting, moved from the outreach app with its table: only Django's picture of it changes here."""

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('outreach', '0002_message_purpose'),
        ('accounts', '0003_organization_distance_unit'),
        ('candidates', '0005_candidate_muted_topics'),
        ('pipeline', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Meeting',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('kind', models.CharField(choices=[('call', 'Phone call'), ('video', 'Video call'), ('interview', 'Interview'), ('site_visit', 'Site visit')], default='call', max_length=12)),
                        ('title', models.CharField(max_length=200)),
                        ('location', models.CharField(blank=True, help_text='Address, phone or link.', max_length=300)),
                        ('duration_minutes', models.PositiveSmallIntegerField(default=30)),
                        ('status', models.CharField(choices=[('proposed', 'Waiting for the candidate'), ('booked', 'Booked'), ('cancelled', 'Cancelled')], default='proposed', max_length=12)),
                        ('proposed_times', models.JSONField(blank=True, default=list, help_text='ISO datetimes offered; empty offers free slots.')),
                        ('starts_at', models.DateTimeField(blank=True, null=True)),
                        ('ical_uid', models.CharField(max_length=120, unique=True)),
                        ('ical_sequence', models.PositiveIntegerField(default=0)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('booked_at', models.DateTimeField(blank=True, null=True)),
                        ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                        ('application', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='pipeline.application')),
                        ('candidate', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='meetings', to='candidates.candidate')),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organization')),
                        ('organizer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'outreach_meeting',
                        'ordering': ['starts_at', 'id'],
                        'indexes': [models.Index(fields=['organizer', 'starts_at'], name='meeting_organizer')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
