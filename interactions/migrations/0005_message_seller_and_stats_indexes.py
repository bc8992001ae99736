"""Message.seller (copied from the interaction) and covering indexes for the stats."""

import django.db.models.deletion
from django.db import migrations, models


def fill_message_seller(apps, schema_editor):
    Message = apps.get_model("interactions", "Message")
    Interaction = apps.get_model("interactions", "Interaction")
    seller = Interaction.objects.filter(pk=models.OuterRef("interaction_id")).values("seller_id")[:1]
    Message.objects.filter(seller__isnull=True).update(seller_id=models.Subquery(seller))


class Migration(migrations.Migration):

    dependencies = [
        ('interactions', '0004_search_and_sla_defaults'),
        ('sellers', '0001_initial'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='interaction',
            name='interaction_created_idx',
        ),
        migrations.RemoveIndex(
            model_name='message',
            name='message_sent_idx',
        ),
        migrations.AddField(
            model_name='message',
            name='seller',
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='sellers.seller'),
        ),
        migrations.RunPython(fill_message_seller, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='message',
            name='seller',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='sellers.seller'),
        ),
        migrations.AddIndex(
            model_name='interaction',
            index=models.Index(fields=['seller', 'created_at'], include=('marketplace', 'kind', 'rating', 'first_response_due_at', 'first_responded_at'), name='interaction_created_idx'),
        ),
        migrations.AddIndex(
            model_name='interaction',
            index=models.Index(condition=models.Q(('status', 'closed'), _negated=True), fields=['seller', 'needs_response'], name='interaction_open_idx'),
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(condition=models.Q(('delivery_state', 'sent'), ('direction', 'out')), fields=['seller', 'sent_at'], include=('author_user',), name='message_seller_sent_idx'),
        ),
    ]
