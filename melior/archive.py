"""A whole network in one archive, and back: `melior export archive` writes a zip with
`data.json` (every record of the network in Django's serialisation format: sites and districts,
people and roles, measures and observations, projects, theory, problem analyses, PDSA cycles and
their files, fidelity plans, checks and adaptations, the hub's tools, EdTech pilots and, unless
left out, student data — each student's attribute history with them — and who each pilot
assigned) plus CSV copies of the observations and cycles for a spreadsheet; `melior import
archive` restores it into an empty instance exactly — exporting it again gives the same archive.

Left out on purpose: passwords (people set a new one), personal API tokens, notifications,
django-auditlog's change history (the access log of student data is kept), and what is derived
from the data (data versions, the stored status of each series: computed again after a
restore).

An archive is signed: `signature` holds an HMAC-SHA256, under the exporting instance's archive
key (settings.ARCHIVE_KEY), of every other entry's name and content. A restore refuses an archive
whose signature does not match this instance's key — changed after export, or written by another
instance — unless the operator accepts it (`--accept-foreign`). Whatever the archive says, a
restore never makes a superuser or staff member, never sets a password or permission, and never
loads a record of a kind Melior does not export (API tokens, sessions, …)."""

import csv
import hashlib
import hmac
import io
import json
import zipfile

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from melior.administration.models import Invitation
from melior.core.csv import csv_text
from melior.evaluation import models as ev
from melior.fidelity import models as fi
from melior.governance import models as g
from melior.learning import models as le
from melior.measures import models as m
from melior.networks.models import Membership, Network, NetworkSite, Organization
from melior.ops.upgrades import RENAMED_LABELS
from melior.pdsa import models as p
from melior.problems import models as pr
from melior.progress.models import ProgressAssessment
from melior.projects.models import ImprovementProject
from melior.theory import models as t

FORMAT = 1
USER_FIELDS = ("username", "first_name", "last_name", "email", "is_active")


def _record_sets(network, students: bool):
    sites = Organization.objects.filter(network_links__network=network)
    districts = Organization.objects.filter(children__in=sites)
    hub = Organization.objects.filter(hub_of=network)
    organizations = Organization.objects.filter(
        Q(pk__in=sites) | Q(pk__in=districts) | Q(pk__in=hub)
    ).distinct()
    memberships = Membership.objects.filter(Q(network=network) | Q(organization__in=organizations))
    cycles = p.Cycle.objects.filter(network=network)
    diagrams = t.DriverDiagram.objects.filter(network=network)
    analyses = pr.ProblemAnalysis.objects.filter(network=network)
    pilots = ev.Pilot.objects.filter(network=network)
    sets = [
        ("organizations", organizations),
        ("network", Network.objects.filter(pk=network.pk)),
        ("sites", NetworkSite.objects.filter(network=network)),
        ("memberships", memberships),
        ("measures", m.Measure.objects.filter(network=network)),
        ("observations", m.Observation.objects.filter(measure__network=network)),
        ("annotations", m.Annotation.objects.filter(measure__network=network)),
        ("chart settings", m.ChartSetting.objects.filter(measure__network=network)),
        ("projects", ImprovementProject.objects.filter(network=network)),
        ("progress", ProgressAssessment.objects.filter(project__network=network)),
        ("diagrams", diagrams),
        ("nodes", t.Node.objects.filter(diagram__in=diagrams)),
        ("links", t.Link.objects.filter(parent__diagram__in=diagrams)),
        ("versions", t.DiagramVersion.objects.filter(diagram__in=diagrams)),
        ("proposals", t.ChangeIdeaProposal.objects.filter(diagram__in=diagrams)),
        ("analyses", analyses),
        ("categories", pr.CauseCategory.objects.filter(analysis__in=analyses)),
        ("causes", pr.Cause.objects.filter(analysis__in=analyses)),
        ("tallies", pr.CauseTally.objects.filter(cause__analysis__in=analyses)),
        ("steps", pr.ProcessStep.objects.filter(analysis__in=analyses)),
        ("interviews", pr.EmpathyNote.objects.filter(analysis__in=analyses)),
        ("cycles", cycles),
        ("questions", p.LearningQuestion.objects.filter(cycle__in=cycles)),
        ("cycle observations", p.CycleObservation.objects.filter(cycle__in=cycles)),
        ("attachments", p.Attachment.objects.filter(cycle__in=cycles)),
        ("comments", p.Comment.objects.filter(cycle__in=cycles)),
        ("cycle sharing", p.CycleSharing.objects.filter(network=network)),
        ("fidelity plans", fi.FidelityPlan.objects.filter(network=network)),
        ("components", fi.Component.objects.filter(plan__network=network)),
        ("fidelity checks", fi.Check.objects.filter(plan__network=network)),
        ("ratings", fi.Rating.objects.filter(check_record__plan__network=network)),
        ("adaptations", fi.Adaptation.objects.filter(component__plan__network=network)),
        ("groups", le.Group.objects.filter(network=network)),
        ("activities", le.Activity.objects.filter(network=network)),
        ("activity statuses", le.ActivityStatus.objects.filter(activity__network=network)),
        ("announcements", le.Announcement.objects.filter(network=network)),
        ("resources", le.Resource.objects.filter(network=network)),
        ("syntheses", le.Synthesis.objects.filter(network=network)),
        ("phases", le.NetworkPhase.objects.filter(network=network)),
        ("spread stages", le.SpreadOverride.objects.filter(network=network)),
        ("privacy", g.PrivacySettings.objects.filter(network=network)),
        ("purposes", g.Purpose.objects.filter(network=network)),
        ("agreements", g.SharingAgreement.objects.filter(network=network)),
        ("row grants", g.RowAccessGrant.objects.filter(network=network)),
        ("access log", g.AccessLog.objects.filter(network=network)),
        ("pilots", pilots),
        ("pilot outcomes", ev.PilotOutcome.objects.filter(pilot__in=pilots)),
        ("amendments", ev.Amendment.objects.filter(pilot__in=pilots)),
        ("evidence codes", ev.EvidenceCode.objects.filter(pilot__in=pilots)),
        ("pilot evidence", ev.Evidence.objects.filter(pilot__in=pilots)),
        # who was invited to what, and by whom (a link only ever works on its own instance)
        ("invitations", Invitation.objects.filter(network=network)),
    ]
    if students:
        enrolled = g.Student.objects.filter(enrollments__site__in=sites).distinct()
        sets += [
            ("students", enrolled),
            ("attributes", g.StudentAttribute.objects.filter(student__in=enrolled)),
            ("enrolments", g.Enrollment.objects.filter(site__in=sites)),
            ("classes", g.Section.objects.filter(site__in=sites)),
            ("outcomes", g.StudentOutcome.objects.filter(site__in=sites)),
            ("usage", g.UsageRecord.objects.filter(site__in=sites)),
            ("consents", g.Consent.objects.filter(purpose__network=network)),
            ("xapi sources", g.XapiSource.objects.filter(network=network)),
            ("xapi statements", g.XapiStatement.objects.filter(source__network=network)),
            ("pilot assignments", ev.Assignment.objects.filter(pilot__in=pilots)),
        ]
    return sets


def _querysets(network, students: bool):
    sets = _record_sets(network, students)
    return [("users", _people(sets)), *((name, qs.order_by("pk")) for name, qs in sets)]


def _archived_models() -> set:
    """The kinds of record an archive may hold: those an export writes and nothing else."""
    # The querysets are lazy: only their models are read, no query runs.
    sets = _record_sets(Network(pk=0), students=True)
    return {get_user_model()} | {queryset.model for _, queryset in sets}


def _people(sets):
    """Everyone a record refers to (authors, recorders, team members, role holders)."""
    user_model = get_user_model()
    ids = set()
    for _, queryset in sets:
        for field in queryset.model._meta.get_fields():
            if getattr(field, "related_model", None) is not user_model or field.auto_created:
                continue
            if field.many_to_many:
                ids |= set(queryset.values_list(f"{field.name}__pk", flat=True))
            elif field.many_to_one:
                ids |= set(queryset.values_list(field.attname, flat=True))
    return user_model.objects.filter(pk__in=ids - {None}).order_by("pk")


# Kept by this instance about its own work, not data: a data version counts writes here (a
# restored record starts a version of its own: a shared cache may hold entries under the old
# one), and a measure's statuses_engine says its stored statuses are computed (a restored
# measure has none: its statuses are computed again on first view).
INSTANCE_FIELDS = ("data_version", "statuses_engine")


def _archived_fields(model) -> list[str] | None:
    """Every field but those this instance keeps about its own work (INSTANCE_FIELDS)."""
    if not any(f.name in INSTANCE_FIELDS for f in model._meta.fields):
        return None
    return [f.name for f in model._meta.fields if f.name not in ("id", *INSTANCE_FIELDS)]


def export_archive(network, *, students: bool = True) -> bytes:
    sets = _querysets(network, students)
    records = []
    counts = {}
    for name, queryset in sets:
        fields = {"users": USER_FIELDS}.get(name) or _archived_fields(queryset.model)
        text = serializers.serialize("json", queryset, fields=fields)
        items = json.loads(text)
        many = [f.name for f in queryset.model._meta.many_to_many]
        stamps = [
            f.name for f in queryset.model._meta.concrete_fields
            if isinstance(f, models.DateTimeField)
        ]  # fmt: skip
        for item in items:  # related ids in a fixed order, whatever order the database gives
            for field in many:
                item["fields"].get(field, []).sort()
            for field in stamps:
                if item["fields"].get(field):
                    item["fields"][field] = _to_the_millisecond(item["fields"][field])
        counts[name] = len(items)
        records += items
    manifest = {"format": FORMAT, "network": network.slug, "counts": counts, "key": _key_id()}
    entries = {
        "manifest.json": json.dumps(manifest, indent=1, sort_keys=True).encode(),
        "data.json": json.dumps(records, indent=1, sort_keys=True).encode(),
        "observations.csv": _observations_csv(network).encode(),
        "cycles.csv": _cycles_csv(network).encode(),
    }
    for attachment in p.Attachment.objects.filter(cycle__network=network).order_by("pk"):
        with attachment.file.open("rb") as handle:
            entries[f"files/{attachment.file.name}"] = handle.read()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(_info(name), content)
        archive.writestr(_info(SIGNATURE), _signature(entries))
    return buffer.getvalue()


def _to_the_millisecond(value: str) -> str:
    """A time always written to the millisecond. The serialiser keeps milliseconds but drops them
    when the time has no microseconds, so 08:30:00.000456 was written "08:30:00.000", restored as
    08:30:00 and written again without the ".000": the same record, another archive."""
    moment = parse_datetime(value)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


SIGNATURE = "signature"


def _signature(entries: dict[str, bytes]) -> str:
    """HMAC-SHA256 under the archive key of every entry's name and the hash of its content."""
    signed = hmac.new(settings.ARCHIVE_KEY.encode(), digestmod=hashlib.sha256)
    for name in sorted(entries):
        signed.update(name.encode() + b"\0" + hashlib.sha256(entries[name]).digest())
    return signed.hexdigest()


def _key_id() -> str:
    """Names the archive key without revealing it, so a refusal can say whose key signed."""
    return hmac.new(settings.ARCHIVE_KEY.encode(), b"melior archive key", "sha256").hexdigest()[:16]


def _check_signature(entries: dict[str, bytes], manifest: dict, accept_foreign: bool) -> None:
    signature = entries.pop(SIGNATURE, b"").decode(errors="replace")
    if accept_foreign or hmac.compare_digest(signature, _signature(entries)):
        return
    if not signature:
        problem = "This archive is not signed"
    elif manifest.get("key") == _key_id():
        problem = "This archive was changed after it was exported"
    else:
        problem = "This archive was exported by another Melior instance (another archive key)"
    raise ValidationError(
        f"{problem}, so its contents cannot be trusted. Restore it only if you know where it "
        "came from and that nobody altered it: `melior import archive FILE --accept-foreign`, "
        "or set MELIOR_ARCHIVE_KEY to the exporting instance's key."
    )


def _info(name: str) -> zipfile.ZipInfo:
    """A fixed date on every entry, so the same content gives the same archive."""
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _observations_csv(network) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["measure", "site", "period_start", "value", "numerator", "denominator"])
    for row in (
        m.Observation.objects.filter(measure__network=network)
        .order_by("measure__slug", "organization__slug", "period_start")
        .values_list(
            "measure__slug",
            "organization__slug",
            "period_start",
            "value",
            "numerator",
            "denominator",
        )
    ):
        writer.writerow(row)
    return out.getvalue()


def _cycles_csv(network) -> str:
    header = ["id", "title", "site", "change idea", "status", "scale", "planned start",
              "completed", "decision", "reason"]  # fmt: skip
    cycles = (
        p.Cycle.objects.filter(network=network)
        .select_related("project__site", "change_idea")
        .order_by("pk")
    )
    return csv_text(
        header,
        (
            (
                c.pk,
                c.title,
                c.project.site.slug,
                c.change_idea.name,
                c.status,
                c.scale,
                c.planned_start,
                c.completed_on,
                c.decision,
                c.decision_reason,
            )
            for c in cycles
        ),
    )


def import_archive(data: bytes, *, accept_foreign: bool = False) -> Network:
    """Restore an archive into an empty instance; refuses a damaged or unsigned archive, one
    signed by another instance (unless `accept_foreign`), or a database that already holds a
    network, and saves nothing unless everything loads."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = {name: archive.read(name) for name in archive.namelist()}
        manifest = json.loads(entries["manifest.json"])
        records = _relabelled(json.loads(entries["data.json"]))
    except (
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        EOFError,
        OSError,
    ) as error:
        raise ValidationError(f"This is not a complete Melior archive ({error}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        format_ = manifest.get("format") if isinstance(manifest, dict) else None
        raise ValidationError(f"Archive format {format_!r} is not {FORMAT}.")
    _check_signature(entries, manifest, accept_foreign)
    files = {name: content for name, content in entries.items() if name.startswith("files/")}
    if Network.objects.exists():
        raise ValidationError("Restore into an empty instance: this one already has a network.")
    with transaction.atomic(), connection.constraint_checks_disabled():
        try:
            objects = list(serializers.deserialize("python", records))
        except (serializers.base.DeserializationError, LookupError) as error:
            raise ValidationError(f"This is not a complete Melior archive ({error}).") from None
        allowed = _archived_models()
        strays = sorted(
            {item.object._meta.label for item in objects} - {model._meta.label for model in allowed}
        )
        if strays:
            raise ValidationError(
                f"The archive holds records Melior never exports ({', '.join(strays)}); "
                "nothing was restored."
            )
        user_model = get_user_model()
        for item in objects:
            if isinstance(item.object, user_model):
                _only_a_plain_account(item)
            item.save()
        connection.check_constraints()
        # new records after a restore must not reuse the restored ids (PostgreSQL sequences)
        restored = {type(item.object) for item in objects}
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), list(restored)):
                cursor.execute(statement)
        for attachment in p.Attachment.objects.all():
            stored = attachment.file.name
            if f"files/{stored}" in files:
                if default_storage.exists(stored):
                    default_storage.delete(stored)
                default_storage.save(stored, ContentFile(files[f"files/{stored}"]))
    return Network.objects.get(slug=manifest["network"])


def _relabelled(records: list) -> list:
    """The records, named by today's app labels: an archive written before an app's label
    changed (melior.ops.upgrades) names its records by the old one."""
    renamed = dict(RENAMED_LABELS)
    for record in records:
        label, _, model = record["model"].partition(".")
        if label in renamed:
            record["model"] = f"{renamed[label]}.{model}"
    return records


def _only_a_plain_account(item) -> None:
    """A restored person keeps a name and address, never a password, admin rights or
    permissions, whatever the archive claims: they sign in after an operator sets a password."""
    person = item.object
    person.set_unusable_password()
    person.is_superuser = False
    person.is_staff = False
    person.last_login = None
    item.m2m_data = {}
