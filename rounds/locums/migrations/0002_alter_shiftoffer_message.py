"""An offer's message is now the messaging core's model (the same table): only Django's picture changes here."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('outreach', '0002_message_purpose'),
        ('locums', '0001_initial'),
        ('messaging', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='shiftoffer',
                    name='message',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='messaging.message'),
                ),
            ],
            database_operations=[],
        ),
    ]
