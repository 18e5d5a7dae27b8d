"""The messaging core's models, moved from the outreach app with their tables (`db_table`): only Django's picture of them changes here, the database is as the outreach migrations left it."""

import datetime
import django.db.models.deletion
import django.utils.timezone
import rounds.messaging.models
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('outreach', '0002_message_purpose'),
        ('accounts', '0003_organization_distance_unit'),
        ('activities', '0001_initial'),
        ('candidates', '0005_candidate_muted_topics'),
        ('pipeline', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='OutreachSettings',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sender_name', models.CharField(blank=True, help_text="Who messages come from; the organization's name when empty.", max_length=120)),
                        ('sender_email', models.EmailField(blank=True, help_text='From address; the site default when empty.', max_length=254)),
                        ('contact_phone', models.CharField(blank=True, help_text='A contact that stays valid, shown in every message.', max_length=40)),
                        ('window_start', models.TimeField(default=datetime.time(8, 0), help_text="No messages before this time, candidate's local.")),
                        ('window_end', models.TimeField(default=datetime.time(21, 0), help_text="No messages after this time, candidate's local.")),
                        ('respond_target_minutes', models.PositiveSmallIntegerField(default=30, help_text='Respond-now target for replies and applications.')),
                        ('alert_before_minutes', models.PositiveSmallIntegerField(default=10, help_text='Alert the owner this long before a respond-now item slips.')),
                        ('sms_from_number', models.CharField(blank=True, help_text="This organization's texting number (E.164); the site default when empty.", max_length=20)),
                        ('email_per_minute', models.PositiveIntegerField(default=0, help_text='Most emails a minute; 0 leaves it to the provider.')),
                        ('sms_per_second', models.PositiveSmallIntegerField(default=1, help_text='Most texts a second (a long code sends about 1, toll-free 3).')),
                        ('meeting_day_start', models.TimeField(default=datetime.time(9, 0))),
                        ('meeting_day_end', models.TimeField(default=datetime.time(17, 0))),
                        ('meeting_weekdays', models.JSONField(blank=True, default=list, help_text='Days offered for meetings, 0 = Monday; empty means Monday to Friday.')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('backup_responder', models.ForeignKey(blank=True, help_text='Alerted with the owner when a reply is about to go cold.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organization', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='outreach_settings', to='accounts.organization')),
                    ],
                    options={
                        'db_table': 'outreach_outreachsettings',
                    },
                ),
                migrations.CreateModel(
                    name='Thread',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reply_token', models.CharField(default=rounds.messaging.models.new_reply_token, max_length=32, unique=True)),
                        ('subject', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('last_message_at', models.DateTimeField(blank=True, null=True)),
                        ('application', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='threads', to='pipeline.application')),
                        ('candidate', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='threads', to='candidates.candidate')),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organization')),
                    ],
                    options={
                        'db_table': 'outreach_thread',
                        'ordering': ['-last_message_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Message',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('purpose', models.CharField(blank=True, help_text='Why it was written: a purpose registered in rounds.messaging.purposes (e.g. locums.offer); empty for inbound messages.', max_length=40)),
                        ('ref_id', models.BigIntegerField(blank=True, help_text='The record the purpose is about: a campaign, an enrolment, a shift offer, a meeting…', null=True)),
                        ('ref_step', models.PositiveSmallIntegerField(blank=True, help_text='Where there are several: the sequence step.', null=True)),
                        ('channel', models.CharField(choices=[('email', 'Email'), ('sms', 'Text message'), ('call', 'Phone call')], max_length=10)),
                        ('direction', models.CharField(choices=[('out', 'Outbound'), ('in', 'Inbound')], default='out', max_length=3)),
                        ('kind', models.CharField(choices=[('commercial', 'Commercial'), ('transactional', 'Transactional'), ('requested', 'Asked for by the person'), ('opt_out_confirmation', 'Opt-out confirmation'), ('staff', 'To a colleague')], default='commercial', max_length=24)),
                        ('topic', models.CharField(choices=[('jobs', 'Job opportunities'), ('locums', 'Locum shifts'), ('news', 'News and events')], default='jobs', max_length=20)),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('held', 'Held'), ('sending', 'Sending'), ('sent', 'Sent'), ('delivered', 'Delivered'), ('unknown', 'May have been sent'), ('failed', 'Failed'), ('dropped', 'Not sent'), ('cancelled', 'Cancelled'), ('received', 'Received'), ('unmatched', 'Unmatched')], default='queued', max_length=12)),
                        ('status_reason', models.CharField(blank=True, help_text='Why it is held, dropped, failed or unknown.', max_length=300)),
                        ('idempotency_key', models.CharField(blank=True, max_length=200)),
                        ('to_address', models.CharField(blank=True, max_length=254)),
                        ('from_address', models.CharField(blank=True, max_length=254)),
                        ('subject', models.CharField(blank=True, max_length=200)),
                        ('body', models.TextField(blank=True, help_text='What the recruiter wrote, before the footer.')),
                        ('sent_body', models.TextField(blank=True, help_text='Exactly what went out, footer included.')),
                        ('raw', models.TextField(blank=True, help_text='Inbound: the raw message or payload.')),
                        ('send_after', models.DateTimeField(default=django.utils.timezone.now, help_text='Not claimed before this.')),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('claim_token', models.CharField(blank=True, max_length=32)),
                        ('lease_until', models.DateTimeField(blank=True, null=True)),
                        ('provider_id', models.CharField(blank=True, help_text="Email Message-ID or the SMS provider's id.", max_length=255)),
                        ('error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('delivered_at', models.DateTimeField(blank=True, null=True)),
                        ('received_at', models.DateTimeField(blank=True, null=True)),
                        ('activity', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='message', to='activities.activity')),
                        ('application', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='messages', to='pipeline.application')),
                        ('candidate', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='candidates.candidate')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organization')),
                        ('to_user', models.ForeignKey(blank=True, help_text='A colleague it was written to (an alert, a reset link).', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('thread', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='messaging.thread')),
                    ],
                    options={
                        'db_table': 'outreach_message',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('source', models.CharField(choices=[('sms_inbound', 'Inbound text'), ('sms_status', 'Text status callback'), ('email_inbound', 'Inbound email')], max_length=20)),
                        ('event_id', models.CharField(blank=True, max_length=200)),
                        ('outcome', models.CharField(choices=[('accepted', 'Accepted'), ('duplicate', 'Duplicate, ignored'), ('refused', 'Refused: bad signature'), ('invalid', 'Refused: malformed')], max_length=12)),
                        ('detail', models.CharField(blank=True, max_length=300)),
                        ('remote_addr', models.CharField(blank=True, max_length=64)),
                        ('payload', models.TextField(blank=True)),
                        ('received_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='messaging.message')),
                        ('organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.organization')),
                    ],
                    options={
                        'db_table': 'outreach_webhookevent',
                        'ordering': ['-received_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Suppression',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel', models.CharField(choices=[('email', 'Email'), ('sms', 'Text message'), ('call', 'Phone call')], max_length=10)),
                        ('address', models.CharField(help_text='Normalized email or E.164 phone.', max_length=254)),
                        ('reason', models.CharField(choices=[('hard_bounce', 'Hard bounce'), ('complaint', 'Spam complaint'), ('unsubscribe', 'Unsubscribed'), ('stop', 'Replied STOP'), ('carrier_opt_out', 'Opted out at the carrier'), ('manual', 'Added by a recruiter')], max_length=20)),
                        ('detail', models.CharField(blank=True, max_length=300)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organization')),
                    ],
                    options={
                        'db_table': 'outreach_suppression',
                        'constraints': [models.UniqueConstraint(fields=('organization', 'channel', 'address'), name='suppression_unique')],
                    },
                ),
                migrations.AddIndex(
                    model_name='thread',
                    index=models.Index(fields=['candidate', 'application'], name='thread_lookup'),
                ),
                migrations.AddIndex(
                    model_name='message',
                    index=models.Index(condition=models.Q(('status__in', ['queued', 'held', 'sending'])), fields=['status', 'send_after'], name='outbox_due'),
                ),
                migrations.AddIndex(
                    model_name='message',
                    index=models.Index(fields=['organization', 'channel', 'sent_at'], name='outbox_rate'),
                ),
                migrations.AddIndex(
                    model_name='message',
                    index=models.Index(fields=['candidate', '-created_at'], name='message_candidate'),
                ),
                migrations.AddIndex(
                    model_name='message',
                    index=models.Index(fields=['provider_id'], name='message_provider_id'),
                ),
                migrations.AddIndex(
                    model_name='message',
                    index=models.Index(fields=['organization', 'status', '-created_at'], name='message_inbox'),
                ),
                migrations.AddIndex(
                    model_name='message',
                    index=models.Index(fields=['purpose', 'ref_id'], name='message_purpose'),
                ),
                migrations.AddConstraint(
                    model_name='message',
                    constraint=models.UniqueConstraint(condition=models.Q(('idempotency_key', ''), _negated=True), fields=('organization', 'idempotency_key'), name='message_idempotency'),
                ),
                migrations.AddConstraint(
                    model_name='webhookevent',
                    constraint=models.UniqueConstraint(condition=models.Q(('outcome', 'accepted'), models.Q(('event_id', ''), _negated=True)), fields=('source', 'event_id'), name='webhook_event_once'),
                ),
            ],
            database_operations=[],
        ),
    ]
