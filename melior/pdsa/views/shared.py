"""Another school's cycle, as shared with the network: the summary and the school's context,
its files and comments where the team shares them, a question to its authors, and a copy to
try at one's own school. The network lead switches sharing on or off for the network."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from melior.core.forms import submit
from melior.networks.selectors import sites_for
from melior.networks.views import get_network

from .. import selectors, services
from ..forms import AskForm, NetworkSharingForm
from ..services.sharing import answerers

SHARED_PAGE = "pdsa/shared_cycle.html"


def shared_cycle_or_404(request, network, pk):
    cycle = selectors.shared_cycle_for(request.user, network, pk)
    if cycle is None:
        raise Http404("No such PDSA cycle")
    return cycle


def _own_school(request, network) -> str:
    """The asker's school, named to the team they ask (the first of theirs, if any)."""
    site = sites_for(request.user, network).order_by("name").first()
    return site.name if site is not None else network.name


def shared_page(request, network, cycle, *, ask_form=None, status=200):
    return render(
        request,
        SHARED_PAGE,
        {
            "network": network,
            "cycle": cycle,
            "site": cycle.project.site,
            "questions": list(cycle.questions.all()),
            "authors": answerers(cycle),
            "attachments": list(cycle.attachments.all()) if cycle.shares_details else [],
            "comments": list(cycle.comments.select_related("author"))
            if cycle.shares_details
            else [],
            "clone_projects": selectors.plannable_projects(request.user, network),
            "ask_form": ask_form or AskForm(),
        },
        status=status,
    )


@login_required
@require_POST
def ask(request, network, pk):
    network = get_network(request, network)
    cycle = shared_cycle_or_404(request, network, pk)
    form = AskForm(request.POST)
    school = _own_school(request, network)

    def change(data):
        services.ask_authors(cycle=cycle, user=request.user, text=data["text"], school=school)

    if submit(form, change):
        messages.success(request, "Your question was sent to the cycle's authors.")
        return redirect("pdsa-detail", network=network.slug, pk=cycle.pk)
    return shared_page(request, network, cycle, ask_form=form, status=400)


@login_required
def shared_attachment(request, network, pk, file):
    """A file of a shared cycle, where its team shares files."""
    network = get_network(request, network)
    cycle = shared_cycle_or_404(request, network, pk)
    if not cycle.shares_details:
        raise Http404("No such file")
    item = get_object_or_404(cycle.attachments, pk=file)
    return FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.name, content_type=item.content_type
    )


@login_required
@require_POST
def network_sharing(request, network):
    network = get_network(request, network)
    if not request.user.has_perm("networks.manage_network", network):
        raise PermissionDenied
    form = NetworkSharingForm(request.POST)
    if submit(form, lambda data: services.set_network_sharing(network=network, **data)):
        messages.success(request, "Saved how schools share their cycles.")
    return redirect("pdsa-list", network=network.slug)
