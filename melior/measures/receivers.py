"""Every saved or deleted measure, observation, annotation or chart setting moves on its
network's data version and its measure's, in the same transaction as the write (admin,
services, the API, archive restore alike). Writes that bypass model signals (bulk inserts and
updates) call `data_changed` themselves.

The stored statuses (SeriesStatus) follow the same writes: a measure's own change leaves its
whole column to compute again, an observation's marks its site's series alone, and a note or
chart setting changes no status.

Row locks are always taken network first, then measure: a measure's own save bumps the network
before it writes (pre_save), so two transactions never wait on each other in a cycle."""

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from melior.networks.services import bump_data_version

from .models import Annotation, ChartSetting, Measure, Observation
from .services import data_changed, series_changed, versions_moved


def _before_measure_write(sender, instance, **kwargs):
    if instance.network_id is not None:
        bump_data_version(instance.network_id)  # the network's row lock first


def _measure_changed(sender, instance, **kwargs):
    # again after the write: outside a transaction a reader between the two would cache the
    # old definition under the new version
    data_changed(instance.network_id, [instance.pk])


def _network_of(instance) -> int | None:
    return (
        Measure.objects.filter(pk=instance.measure_id).values_list("network_id", flat=True).first()
    )


def _series_changed(sender, instance, origin=None, **kwargs):
    network_id = _network_of(instance)
    if network_id is None:
        return
    if origin is None or _is_observation(origin):
        series_changed(network_id, instance.measure_id, instance.organization_id)
    else:
        # deleted with its measure, site or network: the stored status goes with them (a row
        # made now would point at a record about to go)
        versions_moved(network_id, [instance.measure_id])


def _is_observation(origin) -> bool:
    return isinstance(origin, Observation) or getattr(origin, "model", None) is Observation


def _versions_moved(sender, instance, **kwargs):
    network_id = _network_of(instance)
    if network_id is not None:
        versions_moved(network_id, [instance.measure_id])


def connect() -> None:
    pre_save.connect(_before_measure_write, sender=Measure, dispatch_uid="version:measure-saving")
    pre_delete.connect(
        _before_measure_write, sender=Measure, dispatch_uid="version:measure-deleting"
    )
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(_measure_changed, sender=Measure, dispatch_uid=f"version:measure-{name}")
        uid = f"version:observation-{name}"
        signal.connect(_series_changed, sender=Observation, dispatch_uid=uid)
        for model in (Annotation, ChartSetting):
            uid = f"version:{model._meta.model_name}-{name}"
            signal.connect(_versions_moved, sender=model, dispatch_uid=uid)
