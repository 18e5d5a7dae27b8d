"""Every message gets an explicit purpose (and the record it is about) instead of foreign keys
to the features that wrote it and key patterns parsed at send time; then the messaging core's
models move to their own app (`messaging`) in the following migrations, keeping their tables.

The purpose of each message already written is read once, here, from what it had: its
campaign or enrolment, or its idempotency key."""

import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (pattern of the idempotency key, purpose, group holding the record id, group holding a step)
KEYS = [
    (r"^booking:(\d+):seq(\d+):request", "locums.booking", 1, 2),
    (r"^booking:(\d+):seq(\d+):cancel", "locums.booking_cancelled", 1, 2),
    (r"^locums:booked-sms:(\d+)", "locums.booking", 1, None),
    (r"^locums:cancelled-sms:(\d+)", "locums.booking_cancelled", 1, None),
    (r"^locums:waitlisted:(\d+)", "locums.waitlisted", 1, None),
    (r"^locums:reopen:(\d+)", "locums.offer", 1, None),
    (r"^locums:shift-cancelled:(\d+)", "locums.shift_cancelled", 1, None),
    (r"^locums:unknown-yes:(\d+)", "locums.courtesy", 1, None),
    (r"^locums:which-shift:(\d+)", "locums.which_shift", 1, None),
    (r"^meeting-offer:(\d+)", "scheduling.offer", 1, None),
    (r"^meeting:(\d+):seq(\d+):request", "scheduling.confirmation", 1, 2),
    (r"^meeting:(\d+):seq(\d+):cancel", "scheduling.cancellation", 1, 2),
    (r"^meeting-taken:(\d+)", "scheduling.taken", 1, None),
    (r"^optout-confirm:", "messaging.optout_confirmation", None, None),
    (r"^optin-confirm:", "messaging.optin_confirmation", None, None),
    (r"^consent-link:", "messaging.consent_link", None, None),
    (r"^seq:(\d+):(\d+)", "outreach.sequence_step", 1, 2),
    (r"^demo:reply:", "outreach.reply", None, None),
]
OFFER = re.compile(r"^shift:(\d+):offer:(\d+)$")


def read_purposes(apps, schema_editor):
    Message = apps.get_model("outreach", "Message")
    ShiftOffer = apps.get_model("locums", "ShiftOffer")
    patterns = [(re.compile(p), purpose, ref, step) for p, purpose, ref, step in KEYS]
    resends = []
    for m in Message.objects.filter(direction="out").iterator(chunk_size=2000):
        key = m.idempotency_key or ""
        purpose, ref, step = "outreach.message", None, None
        if m.campaign_id:
            purpose, ref = "outreach.campaign", m.campaign_id
        elif m.enrollment_id:
            purpose, ref, step = "outreach.sequence_step", m.enrollment_id, m.sequence_step
        elif OFFER.match(key):
            shift_id, member_id = OFFER.match(key).groups()
            ref = ShiftOffer.objects.filter(shift_id=shift_id, member_id=member_id).values_list(
                "pk", flat=True).first()
            purpose = "locums.offer"
        elif key.startswith("resend:"):
            resends.append(m.pk)
            continue
        else:
            for pattern, name, ref_group, step_group in patterns:
                found = pattern.match(key)
                if found:
                    purpose = name
                    ref = int(found.group(ref_group)) if ref_group else None
                    step = int(found.group(step_group)) if step_group else None
                    break
        Message.objects.filter(pk=m.pk).update(purpose=purpose, ref_id=ref, ref_step=step)
    for pk in resends:  # a resend by hand keeps the purpose of what it resends
        m = Message.objects.get(pk=pk)
        original = Message.objects.filter(uuid=m.idempotency_key[len("resend:"):]).first()
        if original is not None:
            Message.objects.filter(pk=pk).update(
                purpose=original.purpose or "outreach.message", ref_id=original.ref_id,
                ref_step=original.ref_step)
        else:
            Message.objects.filter(pk=pk).update(purpose="outreach.message")


class Migration(migrations.Migration):

    dependencies = [
        ("outreach", "0001_initial"),
        ("locums", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="purpose",
            field=models.CharField(
                blank=True, max_length=40,
                help_text="Why it was written: a purpose registered in rounds.messaging.purposes "
                "(e.g. locums.offer); empty for inbound messages.",
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="ref_id",
            field=models.BigIntegerField(
                blank=True, null=True,
                help_text="The record the purpose is about: a campaign, an enrolment, a shift "
                "offer, a meeting…",
            ),
        ),
        migrations.RenameField(model_name="message", old_name="sequence_step", new_name="ref_step"),
        migrations.AlterField(
            model_name="message",
            name="ref_step",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, help_text="Where there are several: the sequence step."
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="to_user",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="+", to=settings.AUTH_USER_MODEL,
                help_text="A colleague it was written to (an alert, a reset link).",
            ),
        ),
        migrations.RunPython(read_purposes, migrations.RunPython.noop),
        migrations.RemoveField(model_name="message", name="campaign"),
        migrations.RemoveField(model_name="message", name="enrollment"),
        migrations.RemoveField(model_name="message", name="template"),
        migrations.RemoveField(model_name="message", name="template_version"),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["purpose", "ref_id"], name="message_purpose"),
        ),
    ]
