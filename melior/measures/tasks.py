"""Background work on measures: after an import, compute the network's status table so the
first visitor reads it from the cache instead of waiting for it."""

from huey.contrib.djhuey import db_task


@db_task(retries=2, retry_delay=60)
def refresh_network_status(network_id: int) -> None:
    from melior.networks.models import Network

    from .across_sites.status import status_table

    network = Network.objects.filter(pk=network_id).first()
    if network is not None:  # deleted since: nothing to warm
        status_table(network)
