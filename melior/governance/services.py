"""Changing student data, consent, access and privacy settings — each change logged in the
append-only access log — and purging what is past its time."""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from melior.networks.models import Organization

from .actors import COMMAND_LINE_ACTOR
from .models import (
    DATA_CHANGES,
    AccessLog,
    Consent,
    DistrictJoin,
    Enrollment,
    PrivacySettings,
    Purpose,
    RowAccessGrant,
    SharingAgreement,
    Student,
    StudentOutcome,
    SubgroupCounts,
    UsageRecord,
)
from .tasks import count_subgroups


def pseudonym(district, student_id: str) -> str:
    """The keyed hash (HMAC-SHA256) of a district's student id: the same student always gets
    the same key, and the id cannot be recovered from it without the deployment's secret."""
    student_id = (student_id or "").strip()
    if not student_id:
        raise ValidationError({"student_id": "Give the district's student id."})
    return pseudonym_of(district.pk, student_id)


def pseudonym_of(district_id: int, student_id: str) -> str:
    """The key itself, for imports that hash many ids at once (ids already stripped)."""
    message = f"{district_id}:{student_id}".encode()
    return hmac.new(settings.PSEUDONYM_KEY.encode(), message, hashlib.sha256).hexdigest()


def log(*, user, network, action, what, records=0, request=None, address="") -> AccessLog:
    """Append to the access log. `address` is for callers without the request (it is read
    from the request when there is one)."""
    if request is not None:
        # REMOTE_ADDR only: `melior serve` sets it from X-Forwarded-For when, and only when, the
        # request came through MELIOR_TRUSTED_PROXY; a header a client sends itself proves nothing.
        address = request.META.get("REMOTE_ADDR", "")
    signed_in = user is not None and user.is_authenticated
    if network is not None and action in DATA_CHANGES:
        # counted from data this change replaces or removes: counted again once it is done
        SubgroupCounts.objects.filter(network=network).delete()
        transaction.on_commit(lambda: count_subgroups(network.pk))
    return AccessLog.objects.create(
        network=network,
        user=user if signed_in else None,
        username=user.username if signed_in else COMMAND_LINE_ACTOR.get(),
        action=action,
        what=what[:500],
        records=records,
        address=(address or "")[:64],
    )


@transaction.atomic
def register_student(*, district, student_id: str, **attributes) -> Student:
    """Add (or update) a student by the district's id; only its keyed hash is stored."""
    key = pseudonym(district, student_id)
    student, _ = Student.objects.get_or_create(key=key, defaults={"district": district})
    for field, value in attributes.items():
        setattr(student, field, value)
    student.full_clean(exclude=["key"])
    student.save()
    return student


def privacy_for(network) -> PrivacySettings:
    privacy, _ = PrivacySettings.objects.get_or_create(network=network)
    return privacy


@transaction.atomic
def update_privacy(*, network, min_cell_size, retention_days, user=None, request=None):
    privacy = privacy_for(network)
    privacy.min_cell_size, privacy.retention_days = min_cell_size, retention_days
    privacy.full_clean()
    privacy.save()
    log(
        user=user,
        network=network,
        action=AccessLog.Action.SETTINGS,
        request=request,
        what=f"Minimum cell size {min_cell_size}, retention {retention_days} days",
    )
    return privacy


@transaction.atomic
def add_purpose(*, network, name, description="", opt_in=False) -> Purpose:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the purpose."})
    if network.purposes.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a purpose called “{name}”."})
    return Purpose.objects.create(
        network=network, name=name, description=description.strip(), opt_in=opt_in
    )


@transaction.atomic
def record_consent(
    *, student, purpose, status, given_by, date, source, user=None, request=None
) -> Consent:
    """Record or change consent; a revocation takes effect at once for every later computation
    for that purpose, and `melior purge` removes the records after the retention period."""
    if status not in Consent.Status.values:
        raise ValidationError({"status": "Choose granted, refused or revoked."})
    if given_by not in Consent.GivenBy.values:
        raise ValidationError({"given_by": "Say who gave it: the student or a guardian."})
    if date is None or date > timezone.localdate():
        raise ValidationError({"date": "Give the date it was given (not in the future)."})
    if not (source or "").strip():
        raise ValidationError({"source": "Say where it came from, e.g. the paper form."})
    if not Enrollment.objects.filter(student=student, site__networks=purpose.network).exists():
        raise ValidationError(
            {"student": "That student is not enrolled at a school of this network."}
        )
    consent, _ = Consent.objects.update_or_create(
        student=student,
        purpose=purpose,
        defaults={
            "status": status,
            "given_by": given_by,
            "date": date,
            "source": source.strip()[:160],
            "recorded_by": user,
        },
    )
    log(
        user=user,
        network=purpose.network,
        action=AccessLog.Action.CONSENT,
        request=request,
        what=f"Consent for “{purpose.name}” {status} for student {student.key[:8]}…",
        records=1,
    )
    return consent


def _check_joined_district(network, site, user, act: str):
    """The district that joined the network which `site` is (or is a school of), if any; only
    that district's own data steward may `act` there (its records are shared under its own
    agreement, whatever the network's stewards may do elsewhere)."""
    from .permissions import is_district_steward

    joined = (
        DistrictJoin.objects.filter(network=network, district_id__in={site.pk, site.parent_id})
        .select_related("district")
        .first()
    )
    if joined is None:
        return None
    if user is None or not is_district_steward(user, joined.district):
        raise ValidationError(
            {
                "site": f"{joined.district.name} shares its records with this network under its "
                f"own agreement; only its data steward {act}."
            }
        )
    return joined.district


@transaction.atomic
def grant_rows(*, network, site, user, granted_by, request=None) -> RowAccessGrant:
    from .permissions import steward_site_ids

    if site.pk not in steward_site_ids(granted_by, network):
        raise ValidationError({"site": "You are not a data steward for that school."})
    _check_joined_district(network, site, granted_by, "grants its rows")
    if not network.sites.filter(pk=site.pk).exists():
        raise ValidationError({"site": "Choose a school of this network."})
    grant = RowAccessGrant.objects.create(
        network=network, site=site, user=user, granted_by=granted_by
    )
    log(
        user=granted_by,
        network=network,
        action=AccessLog.Action.PERMISSION,
        request=request,
        what=f"Granted {user.username} student rows at {site.name}",
    )
    return grant


@transaction.atomic
def revoke_grant(*, grant, user, request=None) -> None:
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    log(
        user=user,
        network=grant.network,
        action=AccessLog.Action.PERMISSION,
        request=request,
        what=f"Revoked {grant.user.username}'s student rows at {grant.site.name}",
    )


def _check_agreement(level, starts, ends) -> None:
    if level not in SharingAgreement.Level.values:
        raise ValidationError({"level": "Choose aggregates only or de-identified rows."})
    if starts is None:
        raise ValidationError({"starts": "Give the start date."})
    if ends is not None and ends < starts:
        raise ValidationError({"ends": "The agreement ends before it starts."})


@transaction.atomic
def set_agreement(
    *, network, site, level, starts, ends=None, note="", user=None, request=None
) -> SharingAgreement:
    """Record what a school shares with the hub — or a district that joined the network, for
    all its schools there. The schools of a district that joined are covered by the district's
    agreement, which only the district's own data steward sets."""
    _check_agreement(level, starts, ends)
    joined = _check_joined_district(network, site, user, "changes it")
    if joined is None and not network.sites.filter(pk=site.pk).exists():
        raise ValidationError({"site": "Choose a school of this network."})
    agreement = SharingAgreement.objects.create(
        network=network, site=site, level=level, starts=starts, ends=ends, note=note.strip()
    )
    log(
        user=user,
        network=network,
        action=AccessLog.Action.PERMISSION,
        request=request,
        what=f"{site.name} shares {agreement.get_level_display().lower()} from {starts}"
        + (f" to {ends}" if ends else ""),
    )
    return agreement


@transaction.atomic
def bring_district_into_network(
    *, district, network, level, starts, ends=None, user, request=None
) -> DistrictJoin:
    """A district's data steward brings the district into a further network: that network's
    roster imports may then add the district's schools (its students keep their keys), and its
    hub sees the district's records only as the agreement recorded here says. Logged in the
    new network and in every network the district is already part of."""
    from .permissions import is_district_steward
    from .selectors import district_is_member, networks_of_district

    if district.kind != Organization.Kind.DISTRICT:
        raise ValidationError({"district": "Choose a district."})
    if not is_district_steward(user, district):
        raise ValidationError(
            {"district": f"Only {district.name}'s own data steward brings it into a network."}
        )
    if district_is_member(network, district):
        raise ValidationError({"network": f"{district.name} is already part of {network.name}."})
    _check_agreement(level, starts, ends)
    already = list(networks_of_district(district))
    join = DistrictJoin.objects.create(network=network, district=district, joined_by=user)
    agreement = SharingAgreement.objects.create(
        network=network,
        site=district,
        level=level,
        starts=starts,
        ends=ends,
        note=f"Set by {district.name}'s data steward on joining the network",
    )
    shares = agreement.get_level_display().lower()
    for each in [network, *already]:
        log(
            user=user,
            network=each,
            action=AccessLog.Action.PERMISSION,
            request=request,
            what=f"{district.name} joined {network.name}, sharing {shares} from {starts}"
            + (f" to {ends}" if ends else ""),
        )
    return join


@transaction.atomic
def purge(*, network, today=None) -> dict[str, int]:
    """Remove what is past the network's retention period: records older than it, and the
    records of students who revoked consent for their purpose longer ago than it; then students
    left with nothing. Running it again removes nothing more."""
    today = today or timezone.localdate()
    keep = privacy_for(network).retention_days
    cutoff = today - datetime.timedelta(days=keep)
    sites = list(network.sites.values_list("pk", flat=True))
    removed = {"outcomes": 0, "usage": 0, "enrollments": 0, "students": 0}
    outcomes = StudentOutcome.objects.filter(site_id__in=sites)
    usage = UsageRecord.objects.filter(site_id__in=sites)
    removed["outcomes"] += outcomes.filter(date__lt=cutoff).delete()[0]
    removed["usage"] += usage.filter(date__lt=cutoff).delete()[0]
    # the revocation's own date, as the steward entered it — not when it was recorded
    revoked = Consent.objects.filter(
        purpose__network=network, status=Consent.Status.REVOKED, date__lt=cutoff
    )
    for student_id, purpose_id in revoked.values_list("student_id", "purpose_id"):
        removed["outcomes"] += outcomes.filter(
            student_id=student_id, purpose_id=purpose_id
        ).delete()[0]
        removed["usage"] += usage.filter(student_id=student_id, purpose_id=purpose_id).delete()[0]
    removed["enrollments"] += Enrollment.objects.filter(
        site_id__in=sites, school_year__lt=cutoff.year - 1
    ).delete()[0]
    # a student with a consent decision is kept: a revocation must still hold on re-import
    orphans = Student.objects.filter(enrollments=None, outcomes=None, usage=None, consents=None)
    removed["students"] = orphans.count()
    orphans.delete()
    if any(removed.values()):
        log(
            user=None,
            network=network,
            action=AccessLog.Action.PURGE,
            what="Purged " + ", ".join(f"{n} {k}" for k, n in removed.items()),
            records=sum(removed.values()),
        )
    return removed
