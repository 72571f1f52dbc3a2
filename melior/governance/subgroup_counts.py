"""An outcome's students counted per school, period and subgroup: what every equity view is
computed from (melior.analysis.gaps.count_students), kept in the database between imports.

Counting reads every record of the outcome (half a million at 500 schools) and takes a second
or more; the counts are a few thousand rows. They are counted for every school of the network
at once, unsuppressed, and each view suppresses the table of the schools its user sees. They
are kept under a digest of what they were counted from (`sources`): a record or attribute
added, an import, purge, consent or privacy change moves it on, and the next view counts again.
Such a change also removes the network's counts outright (services.log), so counts of
records that were purged or of students who withdrew never stay behind."""

import hashlib
import itertools

import numpy as np
import pandas as pd
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Max
from django.db.models.functions import Cast

from melior.analysis import gaps as engine

from .models import (
    DATA_CHANGES,
    AccessLog,
    Consent,
    Purpose,
    StudentAttribute,
    StudentOutcome,
    SubgroupCount,
    SubgroupCounts,
)
from .selectors import LABELS, counted_ids, groups_at, purpose_of

NOT_RECORDED = "Not recorded"
RECORD = np.dtype([("unit", "i8"), ("student", "i8"), ("date", "datetime64[D]"), ("value", "f8")])
COUNT = np.dtype(
    [("unit", "i8"), ("period", "datetime64[D]"), ("group", "O"), ("n", "i8"), ("total", "f8")]
)


def groups_of(by: str) -> list[str]:
    """The groups of a subgroup, as labelled on the pages (and "Not recorded")."""
    return [*LABELS[by].values(), NOT_RECORDED]


def newest(model, **where):
    return model.objects.filter(**where).order_by("-pk").values_list("pk", flat=True).first()


def sources(purpose_id) -> tuple:
    """Changes whenever what the counts are made from may have changed, read from indexes
    only: the newest record and attribute (rows added), the newest import, purge, consent or
    settings change in the access log (rows replaced, removed, or a roster's fields changed),
    whether the purpose is opt-in, and its consent decisions."""
    consents = Consent.objects.filter(purpose_id=purpose_id).aggregate(last=Max("changed_at"))
    return (
        Purpose.objects.filter(pk=purpose_id).values_list("opt_in", flat=True).first(),
        newest(StudentOutcome),
        newest(StudentAttribute),
        newest(AccessLog, action__in=DATA_CHANGES),
        str(consents["last"]),
    )


def counts(network, choice, source: tuple) -> pd.DataFrame:
    """The choice's counts at every school of the network (unit, period, group, n, total):
    read back when counted from the same `sources`, else counted from the records and kept."""
    digest = hashlib.sha256(
        repr(
            (network.created_at.isoformat(), choice.key, choice.by, choice.period, source)
        ).encode()
    ).hexdigest()
    view = {"network": network, "outcome": choice.key, "subgroup": choice.by}
    kept = SubgroupCounts.objects.filter(**view, period=choice.period).first()
    if kept is not None and kept.source == digest:
        return _read(kept)
    frame = records(network, network.sites.values_list("pk", flat=True), choice)
    counted = (
        engine.count_students(frame, period=choice.period, groups=groups_of(choice.by))
        if len(frame)
        else pd.DataFrame(columns=list(engine.COUNT_COLUMNS))
    )
    _keep(view, choice.period, digest, counted)
    return counted


def _read(kept) -> pd.DataFrame:
    # the date as text: SQLite's driver would turn each into a date object, one by one
    query = SubgroupCount.objects.filter(counts=kept).values_list(
        "site_id", Cast("period", CharField()), "group", "students", "total"
    )
    found = _tuples(query)
    rows = np.fromiter(found, dtype=COUNT, count=len(found))
    frame = pd.DataFrame({name: rows[name] for name in engine.COUNT_COLUMNS})
    frame["period"] = frame["period"].astype("datetime64[ns]")
    return frame


def _keep(view: dict, period: str, digest: str, counted: pd.DataFrame) -> None:
    table = SubgroupCount._meta.db_table
    # plain executemany: ten thousand model objects cost more than the counting
    insert = (
        f"INSERT INTO {table} (counts_id, site_id, period, {connection.ops.quote_name('group')},"
        " students, total) VALUES (%s, %s, %s, %s, %s, %s)"
    )
    adapt_date = connection.ops.adapt_datefield_value
    try:
        with transaction.atomic():
            SubgroupCounts.objects.filter(**view, period=period).delete()
            kept = SubgroupCounts.objects.create(**view, period=period, source=digest)
            rows = zip(
                itertools.repeat(kept.pk),
                counted["unit"].tolist(),
                map(adapt_date, pd.to_datetime(counted["period"]).dt.date),
                counted["group"].tolist(),
                counted["n"].tolist(),
                counted["total"].tolist(),
            )
            with connection.cursor() as cursor:
                cursor.executemany(insert, list(rows))
    except IntegrityError:
        pass  # another view counted the same at the same time: theirs is kept, ours is shown


def records(network, site_ids, choice) -> pd.DataFrame:
    """The outcome's records at the sites, of students counted for the purpose, each with its
    student's group on the record's date (the attribute history, groups_at). Read with one
    plain query (no model conversions: a network has hundreds of thousands of records)."""
    purpose = purpose_of(network, choice.purpose_id)
    every = StudentOutcome.objects.filter(
        site_id__in=list(site_ids), kind=choice.kind, name=choice.name, purpose=purpose
    )
    # the date as text: SQLite's driver would turn each into a date object, one by one
    columns = every.values_list("site_id", "student_id", Cast("date", CharField()), "value")
    found = _tuples(columns)
    names = ["unit", "student", "date", "value"]
    if not found:
        return pd.DataFrame(columns=[*names, "group"])
    # straight into typed arrays, the dates parsed by NumPy on the way: no column of objects
    rows = np.fromiter(found, dtype=RECORD, count=len(found))
    frame = pd.DataFrame({name: rows[name] for name in names})
    frame["date"] = frame["date"].astype("datetime64[ns]")
    # consent, as `counted` rules it, applied in memory (a subquery per record costs more)
    keep, students = counted_ids(purpose)
    listed = frame["student"].isin(students)
    frame = frame[listed if keep else ~listed].reset_index(drop=True)
    if frame.empty:
        return pd.DataFrame(columns=[*names, "group"])
    codes = groups_at(choice.by, frame["student"], frame["date"])
    labels = pd.Series(LABELS[choice.by])
    frame["group"] = codes.map(labels).fillna(NOT_RECORDED).to_numpy()
    return frame


def _tuples(query) -> list[tuple]:
    """A values_list query's rows as the driver gives them, without Django's per-row converters
    (hundreds of thousands of rows)."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
