"""Reads of student data. Aggregates are for every member of the network, over the sites they
see, with consent applied and small cells suppressed; rows only where permissions.row_site_ids
allows, and every read of rows is logged by the caller."""

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Avg, Count, Prefetch, Q
from django.shortcuts import get_object_or_404

from melior.analysis.suppression import suppress
from melior.bulk import select_in
from melior.networks.models import Network
from melior.networks.selectors import sites_for

from .models import (
    RACE_ETHNICITY,
    SEX,
    SUBGROUPS,
    YES_NO,
    AccessLog,
    Consent,
    DistrictJoin,
    Enrollment,
    ImportJob,
    Purpose,
    RowAccessGrant,
    SharingAgreement,
    Student,
    StudentAttribute,
    StudentOutcome,
    UsageRecord,
)
from .permissions import row_site_ids, steward_site_ids, stewarded_districts
from .services import privacy_for, pseudonym

LABELS = {
    "sex": dict(SEX),
    "race_ethnicity": dict(RACE_ETHNICITY),
    **{
        k: dict(YES_NO)
        for k in ("economic_disadvantage_status", "english_learner_status", "idea_indicator")
    },
}


def counted_students(purpose):
    """The students who count for a purpose now: with consent for an opt-in purpose; everyone
    but those who refused or revoked otherwise (a filter on students)."""
    if purpose.opt_in:
        return Q(consents__purpose=purpose, consents__status=Consent.Status.GRANTED)
    withdrawn = Consent.objects.filter(purpose=purpose).exclude(status=Consent.Status.GRANTED)
    return ~Q(pk__in=withdrawn.values("student_id"))


def counted(purpose):
    """The same rule as a filter on records that belong to a student."""
    return Q(student_id__in=Student.objects.filter(counted_students(purpose)).values("pk"))


def counted_ids(purpose) -> tuple[bool, set[int]]:
    """The same rule as `counted`, for filtering many records in memory: (True, the students
    to keep) for an opt-in purpose, (False, the students to leave out) otherwise."""
    consents = Consent.objects.filter(purpose=purpose)
    if purpose.opt_in:
        granted = consents.filter(status=Consent.Status.GRANTED)
        return True, set(granted.values_list("student_id", flat=True))
    withdrawn = consents.exclude(status=Consent.Status.GRANTED)
    return False, set(withdrawn.values_list("student_id", flat=True))


def groups_at(by: str, students: pd.Series, dates: pd.Series) -> pd.Series:
    """Each (student id, date) pair's subgroup code for `by` on that date: the latest attribute
    value on or before the date, else the student's own field ("" where none is recorded).
    Vectorised: the fields and the history read by the students' ids, then an as-of join."""
    if by not in SUBGROUPS:
        raise ValueError(f"Unknown subgroup {by!r}.")
    ids, index = np.unique(students.to_numpy(dtype="int64"), return_inverse=True)
    with connection.cursor() as cursor:
        column = Student._meta.get_field(by).column
        fields = dict(select_in(cursor, Student, ["id", column], "id", ids.tolist()))
        history = select_in(
            cursor, StudentAttribute, ["student_id", "as_of", "value"], "student_id",
            ids.tolist(), attribute=by,
        )  # fmt: skip
    known = np.array([fields.get(i) or "" for i in ids.tolist()], dtype=object)
    codes = known[index]
    if history:
        history = pd.DataFrame(history, columns=["student", "as_of", "value"])
        history["as_of"] = pd.to_datetime(history["as_of"]).astype("datetime64[ns]")
        history["student"] = history["student"].astype("int64")
        # only the pairs of students with a history need the as-of join (most have none)
        dated = np.flatnonzero(np.isin(ids, history["student"].to_numpy())[index])
        pairs = pd.DataFrame(
            {
                "student": ids[index[dated]],
                "date": pd.to_datetime(dates).to_numpy().astype("datetime64[ns]")[dated],
                "row": dated,
            }
        )
        joined = pd.merge_asof(
            pairs.sort_values("date"),
            history.sort_values("as_of"),
            left_on="date",
            right_on="as_of",
            by="student",
        )
        found = joined["value"].notna().to_numpy()
        codes[joined["row"].to_numpy()[found]] = joined["value"].to_numpy()[found]
    return pd.Series(codes, index=students.index, name=by)


def outcome_choices(network):
    sites = network.sites.values("pk")
    return list(
        StudentOutcome.objects.filter(site_id__in=sites)
        .values_list("kind", "name", "purpose_id", "purpose__name")
        .distinct()
        .order_by("kind", "name")
    )


def aggregate(user, network, *, kind, name, by, purpose):
    """Mean outcome and student count per site × subgroup (sites the user sees), with small
    cells suppressed. Returns (counts, means, suppression)."""
    if by not in SUBGROUPS:
        raise ValueError(f"Unknown subgroup {by!r}.")
    sites = {s.pk: s.name for s in sites_for(user, network)}
    rows = (
        StudentOutcome.objects.filter(
            site_id__in=list(sites), kind=kind, name=name, purpose=purpose
        )
        .filter(counted(purpose))
        .values("site_id", f"student__{by}")
        .annotate(n=Count("student_id", distinct=True), mean=Avg("value"))
    )
    frame = pd.DataFrame(list(rows))
    columns = [LABELS[by][code] for code, _ in LABELS[by].items()]
    if frame.empty:
        empty = pd.DataFrame(index=[], columns=columns)
        return empty, empty, suppress(empty.astype(float), privacy_for(network).min_cell_size)
    frame["site"] = frame["site_id"].map(sites)
    frame["group"] = frame[f"student__{by}"].map(lambda c: LABELS[by].get(c, "Not recorded"))
    counts = frame.pivot_table(
        index="site", columns="group", values="n", aggfunc="sum", fill_value=0
    )
    means = frame.pivot_table(index="site", columns="group", values="mean", aggfunc="mean")
    order = [c for c in [*columns, "Not recorded"] if c in counts.columns]
    counts, means = counts[order], means.reindex(columns=order)
    return counts, means, suppress(counts, privacy_for(network).min_cell_size)


def student_rows(user, network, site_id):
    """Students enrolled at one site, if the user may see its rows (else none), with their
    enrolments at the schools whose rows the user may see — never at schools elsewhere."""
    allowed = row_site_ids(user, network)
    if site_id not in allowed:
        return Student.objects.none()
    return (
        Student.objects.filter(enrollments__site_id=site_id)
        .distinct()
        .prefetch_related(
            Prefetch("enrollments", queryset=Enrollment.objects.filter(site_id__in=allowed))
        )
        .order_by("key")
    )


def district_is_member(network, district) -> bool:
    """Whether a district's records belong in a network: the district or one of its schools
    is a site of it (the network the district came in with), or the district's own data
    steward brought it in."""
    return (
        network.sites.filter(Q(pk=district.pk) | Q(parent=district)).exists()
        or DistrictJoin.objects.filter(network=network, district=district).exists()
    )


def network_student_ids(network) -> set[int]:
    """Students enrolled at a school of the network: the only ones its imports may name (a
    district in several networks has students the others never see)."""
    return set(
        Enrollment.objects.filter(site__in=network.sites.all())
        .values_list("student_id", flat=True)
        .distinct()
    )


def networks_of_district(district):
    """The networks a district's schools (or the district itself) are sites of."""
    return Network.objects.filter(Q(sites=district) | Q(sites__parent=district)).distinct()


def consents_for(user, network):
    """Consent decisions of the network's purposes for students enrolled at the schools the
    user is a data steward for (every school for the network's data steward)."""
    stewarded = steward_site_ids(user, network)
    enrolled = Student.objects.filter(enrollments__site_id__in=stewarded).values("pk")
    return (
        Consent.objects.filter(purpose__network=network, student_id__in=enrolled)
        .select_related("purpose", "student")
        .order_by("-changed_at")
    )


def agreements_for(user, network):
    """The sharing agreements of the schools the user is a data steward for, and of the
    districts among them that joined the network under their own agreement."""
    stewarded = steward_site_ids(user, network)
    districts = network.sites.filter(pk__in=stewarded).values("parent_id")
    return SharingAgreement.objects.filter(
        Q(site_id__in=stewarded) | Q(site_id__in=districts), network=network
    ).select_related("site")


def import_job(user, network, pk: int):
    """An import job, only for the person who started it (404 for anyone else)."""
    return get_object_or_404(ImportJob, pk=pk, network=network, user=user)


def purpose_of(network, pk):
    """One of the network's purposes (404 for any other)."""
    return get_object_or_404(Purpose, pk=pk, network=network)


def stewarded_sites(user, network):
    """The schools the user sees and is a data steward for, by name."""
    return sites_for(user, network).filter(pk__in=steward_site_ids(user, network)).order_by("name")


def stewarded_districts_in(user, network) -> list:
    """The districts the user is the data steward of that are part of this network."""
    return [d for d in stewarded_districts(user).order_by("name") if district_is_member(network, d)]


def districts_joined(network, districts) -> list:
    """Those of the districts that joined the network under their own agreement."""
    joined = set(
        DistrictJoin.objects.filter(network=network, district__in=districts).values_list(
            "district_id", flat=True
        )
    )
    return [d for d in districts if d.pk in joined]


def row_grants(user, network):
    """The live grants of student rows at the schools the user is a data steward for."""
    return RowAccessGrant.objects.filter(
        network=network, revoked_at=None, site_id__in=steward_site_ids(user, network)
    ).select_related("user", "site")


def revocable_grants(user, network):
    """Grants the user may revoke: any at the schools they steward (revoked ones included, as
    a second revocation changes nothing but the log)."""
    return RowAccessGrant.objects.filter(
        network=network, site_id__in=steward_site_ids(user, network)
    ).select_related("user", "site")


def enrolled_student(site, student_id: str) -> Student | None:
    """The student a district's id names, if enrolled at the school (the id is never stored)."""
    key = pseudonym(site.parent or site, student_id)
    return Student.objects.filter(key=key, enrollments__site=site).first()


def person_named(username: str):
    """Whom a data steward names by username to let see rows (anyone with an account)."""
    return get_user_model().objects.filter(username=username.strip()).first()


def network_at(address: str) -> Network | None:
    """The network a district's steward names by its address to bring the district into."""
    return Network.objects.filter(slug=address.strip()).first()


def access_log(user, network, *, who: str = "", action: str = "", text: str = ""):
    """The network's access log, newest first, for its data steward only (none for others)."""
    if not user.has_perm("governance.read_audit", network):
        return AccessLog.objects.none()
    logs = AccessLog.objects.filter(network=network)
    if who:
        logs = logs.filter(username__icontains=who)
    if action in AccessLog.Action.values:
        logs = logs.filter(action=action)
    if text:
        logs = logs.filter(what__icontains=text)
    return logs


def usage_products(network) -> list[tuple]:
    """The products with usage in the network, with the purpose each counts under:
    [(product, purpose id, purpose name)]."""
    return list(
        UsageRecord.objects.filter(purpose__network=network)
        .values_list("product", "purpose_id", "purpose__name")
        .distinct()
        .order_by("product", "purpose__name")
    )


def usage_classes(user, network, *, site, product: str, purpose_id: int) -> list[dict]:
    """Usage class by class at a school the user sees, week by week, with every figure that
    rests on fewer students than the network's minimum cell size marked hidden (``hidden``,
    ``few_active``, ``few_completers``); the template shows nothing that is marked. Each class
    is judged on its own figures, as the page shows no total a hidden one could be taken from."""
    # usage.py reads consent through this module, so it is imported when first needed
    from .usage import class_figures_shown, usage_by_class

    if not sites_for(user, network).filter(pk=site.pk).exists():
        return []
    purpose = purpose_of(network, purpose_id)
    min_n = privacy_for(network).min_cell_size
    classes = usage_by_class(site=site, product=product, purpose=purpose)
    for entry in classes:
        for week in entry["weeks"]:
            shown = class_figures_shown(
                entry["students"], week["active"], week["completers"], min_n
            )
            entry["hidden"] = not shown["students"]
            week["few_active"] = not shown["active"]
            week["few_completers"] = not shown["completers"]
    return classes
