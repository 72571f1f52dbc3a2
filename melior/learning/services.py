"""The hub's tools: each change validated and atomic."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from melior.theory.models import Node

from .models import (
    Activity,
    ActivityStatus,
    Announcement,
    Group,
    NetworkPhase,
    Resource,
    SpreadOverride,
    SpreadStage,
    Synthesis,
)


def _required(value, field, limit=160):
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: "This is needed."})
    if len(value) > limit:
        raise ValidationError({field: f"Keep it to {limit} characters."})
    return value


def _in_network(network, sites=(), ideas=(), cycles=()):
    if any(not network.sites.filter(pk=s.pk).exists() for s in sites):
        raise ValidationError({"sites": "Choose sites of this network."})
    if any(i.diagram.network_id != network.pk or i.diagram.project_id for i in ideas):
        raise ValidationError({"change_ideas": "Choose change ideas of the network's theory."})
    if any(c.network_id != network.pk for c in cycles):
        raise ValidationError({"cycles": "Choose cycles of this network."})


@transaction.atomic
def create_group(*, network, name, kind, description="", sites=(), members=()) -> Group:
    name = _required(name, "name", 120)
    if kind not in Group.Kind.values:
        raise ValidationError({"kind": "Choose structural or affinity."})
    if network.groups.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a group called “{name}”."})
    _in_network(network, sites=sites)
    group = Group.objects.create(
        network=network, name=name, kind=kind, description=(description or "").strip()
    )
    group.sites.set(sites)
    group.members.set(members)
    return group


@transaction.atomic
def create_activity(*, network, title, description="", due=None, group=None, user=None):
    if group is not None and group.network_id != network.pk:
        raise ValidationError({"group": "Choose a group of this network."})
    activity = Activity.objects.create(
        network=network,
        title=_required(title, "title"),
        description=(description or "").strip(),
        due=due,
        group=group,
        created_by=user,
    )
    sites = group.sites.all() if group is not None else network.sites.all()
    ActivityStatus.objects.bulk_create(
        [ActivityStatus(activity=activity, site=site) for site in sites]
    )
    return activity


@transaction.atomic
def set_activity_status(*, status: ActivityStatus, value: str, user=None) -> ActivityStatus:
    if value not in ActivityStatus.Status.values:
        raise ValidationError({"status": "Choose not started, under way or done."})
    status.status, status.updated_by = value, user
    status.save()
    return status


@transaction.atomic
def announce(*, network, title, body, pinned=False, user=None) -> Announcement:
    return Announcement.objects.create(
        network=network,
        title=_required(title, "title"),
        body=_required(body, "body", 10000),
        pinned=pinned,
        author=user,
    )


@transaction.atomic
def add_resource(*, network, title, url, kind, description="", change_idea=None, user=None):
    if kind not in Resource.Kind.values:
        raise ValidationError({"kind": "Choose what kind of resource it is."})
    if not (url or "").startswith(("http://", "https://")):
        raise ValidationError({"url": "Give a web address starting with http:// or https://."})
    if change_idea is not None:
        _in_network(network, ideas=[change_idea])
    return Resource.objects.create(
        network=network,
        title=_required(title, "title"),
        url=url,
        kind=kind,
        description=(description or "").strip(),
        change_idea=change_idea,
        added_by=user,
    )


@transaction.atomic
def write_synthesis(*, network, title, body, change_ideas=(), cycles=(), user=None):
    change_ideas, cycles = list(change_ideas), list(cycles)
    _in_network(network, ideas=change_ideas, cycles=cycles)
    synthesis = Synthesis.objects.create(
        network=network,
        title=_required(title, "title"),
        body=_required(body, "body", 50000),
        author=user,
    )
    synthesis.change_ideas.set(change_ideas)
    synthesis.cycles.set(cycles)
    return synthesis


@transaction.atomic
def set_phase(*, network, phase, started_on=None, note="", user=None) -> NetworkPhase:
    if phase not in NetworkPhase.Phase.values:
        raise ValidationError({"phase": "Choose a phase."})
    started_on = started_on or timezone.localdate()
    current = network.phases.first()
    if current and started_on < current.started_on:
        raise ValidationError(
            {
                "started_on": f"The current phase began on {current.started_on}; "
                "a new one cannot start before it."
            }
        )
    return NetworkPhase.objects.create(
        network=network, phase=phase, started_on=started_on, note=(note or "").strip(), set_by=user
    )


@transaction.atomic
def set_spread_stage(*, network, site, change_idea: Node, stage, on=None, note="", user=None):
    if stage not in SpreadStage.values:
        raise ValidationError({"stage": "Choose a stage."})
    _in_network(network, sites=[site], ideas=[change_idea])
    on = on or timezone.localdate()
    if on > datetime.date.today():
        raise ValidationError({"on": "That date is in the future."})
    return SpreadOverride.objects.create(
        network=network,
        site=site,
        change_idea=change_idea,
        stage=stage,
        on=on,
        note=(note or "").strip()[:300],
        set_by=user,
    )


@transaction.atomic
def delete_group(*, group: Group) -> None:
    """A group goes; its activities stay with the sites they were given to."""
    group.delete()


@transaction.atomic
def delete_activity(*, activity: Activity) -> None:
    """An activity goes with every site's progress on it."""
    activity.delete()


@transaction.atomic
def delete_announcement(*, announcement: Announcement) -> None:
    announcement.delete()


@transaction.atomic
def delete_resource(*, resource: Resource) -> None:
    resource.delete()


@transaction.atomic
def delete_synthesis(*, synthesis: Synthesis) -> None:
    """A synthesis goes; the change ideas and cycles it drew on stay."""
    synthesis.delete()
