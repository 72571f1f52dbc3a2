"""Every saved or deleted measure, observation, annotation or chart setting moves on its
network's data version and its measure's, in the same transaction as the write (admin,
services, the API, archive restore alike). Writes that bypass model signals (bulk inserts and
updates) call `data_changed` themselves.

Row locks are always taken network first, then measure: a measure's own save bumps the network
before it writes (pre_save), so two transactions never wait on each other in a cycle."""

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from melior.networks.services import bump_data_version

from .models import Annotation, ChartSetting, Measure, Observation
from .services import data_changed


def _before_measure_write(sender, instance, **kwargs):
    if instance.network_id is not None:
        bump_data_version(instance.network_id)  # the network's row lock first


def _measure_changed(sender, instance, **kwargs):
    # again after the write: outside a transaction a reader between the two would cache the
    # old definition under the new version
    data_changed(instance.network_id, [instance.pk])


def _measure_data_changed(sender, instance, **kwargs):
    network_id = (
        Measure.objects.filter(pk=instance.measure_id).values_list("network_id", flat=True).first()
    )
    if network_id is not None:
        data_changed(network_id, [instance.measure_id])


def connect() -> None:
    pre_save.connect(_before_measure_write, sender=Measure, dispatch_uid="version:measure-saving")
    pre_delete.connect(
        _before_measure_write, sender=Measure, dispatch_uid="version:measure-deleting"
    )
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(_measure_changed, sender=Measure, dispatch_uid=f"version:measure-{name}")
        for model in (Observation, Annotation, ChartSetting):
            uid = f"version:{model._meta.model_name}-{name}"
            signal.connect(_measure_data_changed, sender=model, dispatch_uid=uid)
