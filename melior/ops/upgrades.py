"""Steps an existing instance takes before its migrations run, for changes Django's migrations
cannot express. Each step finds whether it is needed and does nothing otherwise, so `migrate`
runs them every time."""

from django.db import connections, transaction

# App labels that changed: (old, new). The app's tables, its rows in the migration history and
# its content types (which permissions and the change history point to) move to the new label.
RENAMED_LABELS = [("pilots", "evaluation")]


def rename_app_labels(using: str = "default") -> list[str]:
    """Moves every renamed app's tables and history to its new label; the labels moved."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if "django_migrations" not in tables:
        return []  # a new database: migrations create everything under the new labels
    moved = []
    quote = connection.ops.quote_name
    for old, new in RENAMED_LABELS:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = %s", [old])
            if not cursor.fetchone()[0]:
                continue
            for table in sorted(t for t in tables if t.startswith(f"{old}_")):
                renamed = new + table[len(old) :]
                cursor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(renamed)}")
            cursor.execute("UPDATE django_migrations SET app = %s WHERE app = %s", [new, old])
            if "django_content_type" in tables:
                cursor.execute(
                    "UPDATE django_content_type SET app_label = %s WHERE app_label = %s",
                    [new, old],
                )
        moved.append(f"{old} → {new}")
    return moved
