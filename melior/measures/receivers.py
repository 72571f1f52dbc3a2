"""Every saved or deleted measure, observation, annotation or chart setting moves its network's
data version on, in the same transaction as the write (admin, services, the API, archive
restore alike). Writes that bypass model signals (bulk inserts and updates) bump it themselves."""

from django.db.models.signals import post_delete, post_save

from melior.networks.services import bump_data_version

from .models import Annotation, ChartSetting, Measure, Observation


def _measure_changed(sender, instance, **kwargs):
    bump_data_version(instance.network_id)


def _measure_data_changed(sender, instance, **kwargs):
    network_id = (
        Measure.objects.filter(pk=instance.measure_id).values_list("network_id", flat=True).first()
    )
    if network_id is not None:
        bump_data_version(network_id)


def connect() -> None:
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(_measure_changed, sender=Measure, dispatch_uid=f"version:measure-{name}")
        for model in (Observation, Annotation, ChartSetting):
            uid = f"version:{model._meta.model_name}-{name}"
            signal.connect(_measure_data_changed, sender=model, dispatch_uid=uid)
