"""Split the customers that were keyed by a first name ("name:сергей") back into their interactions.

Such a customer merged every buyer of a shop who shared a first name. Each of its interactions loses
the link (keeping the name as `author_name`) and gets a `customer_unlinked` event that carries the
whole customer row, the seller's notes and tags included, so nothing is lost and the step can be
reversed. No interaction or message is deleted; customers keyed by a stable id only get their name
copied onto their interactions' new `author_name`.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery
from django.utils import timezone

NAME_PREFIX = "name:"
CHUNK = 2000
EVENT_KIND = "customer_unlinked"
CUSTOMER_FIELDS = (
    "external_id",
    "name",
    "first_seen_at",
    "last_seen_at",
    "chats_count",
    "questions_count",
    "reviews_count",
    "average_rating",
    "last_sentiment",
    "notes",
    "tags",
)


def _snapshot(customer) -> dict:
    row = {name: getattr(customer, name) for name in CUSTOMER_FIELDS}
    for name in ("first_seen_at", "last_seen_at"):
        row[name] = row[name].isoformat()
    row["average_rating"] = None if row["average_rating"] is None else str(row["average_rating"])
    return {"reason": "name_key", "customer": row}


def split(apps, schema_editor):
    Customer = apps.get_model("interactions", "Customer")
    Interaction = apps.get_model("interactions", "Interaction")
    InteractionEvent = apps.get_model("interactions", "InteractionEvent")

    names = Customer.objects.filter(pk=OuterRef("customer_id")).values("name")[:1]
    Interaction.objects.filter(customer__isnull=False, author_name="").update(author_name=Subquery(names))

    now = timezone.now()
    named = Customer.objects.filter(external_id__startswith=NAME_PREFIX)
    snapshots = {customer.pk: _snapshot(customer) for customer in named.iterator(chunk_size=CHUNK)}
    if not snapshots:
        return
    linked = Interaction.objects.filter(customer__external_id__startswith=NAME_PREFIX)
    batch = []
    for pk, customer_id in linked.values_list("pk", "customer_id").iterator(chunk_size=CHUNK):
        batch.append(InteractionEvent(interaction_id=pk, kind=EVENT_KIND, data=snapshots[customer_id], created_at=now))
        if len(batch) >= CHUNK:
            InteractionEvent.objects.bulk_create(batch)
            batch = []
    InteractionEvent.objects.bulk_create(batch)
    Interaction.objects.filter(customer_id__in=named.values("pk")).update(customer=None)
    named.delete()


def merge_back(apps, schema_editor):
    """Re-create each split customer from its events and link its interactions again."""
    Customer = apps.get_model("interactions", "Customer")
    Interaction = apps.get_model("interactions", "Interaction")
    InteractionEvent = apps.get_model("interactions", "InteractionEvent")

    events = InteractionEvent.objects.filter(kind=EVENT_KIND, data__reason="name_key").select_related("interaction")
    restored: dict[tuple[int, str, str], object] = {}
    for event in events.iterator(chunk_size=CHUNK):
        interaction = event.interaction
        row = dict(event.data["customer"])
        key = (interaction.seller_id, interaction.marketplace, row["external_id"])
        customer = restored.get(key)
        if customer is None:
            customer, _ = Customer.objects.get_or_create(
                seller_id=interaction.seller_id,
                marketplace=interaction.marketplace,
                external_id=row.pop("external_id"),
                defaults=row,
            )
            restored[key] = customer
        Interaction.objects.filter(pk=interaction.pk, customer__isnull=True).update(customer=customer)
    events.delete()


class Migration(migrations.Migration):
    dependencies = [("interactions", "0009_buyer_links")]

    operations = [migrations.RunPython(split, merge_back)]
