"""Find things across the user's networks: schools, measures, change ideas, cycles, people,
each read through the selector that scopes it to what the user may see."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from melior.learning.selectors import network_ideas
from melior.measures.selectors import measures_for
from melior.networks.selectors import network_summaries, people_for, sites_for
from melior.pdsa import selectors as pdsa

PER_KIND = 10


def find(user, text: str) -> list[dict]:
    """Per network: {"network", "groups": [(kind, [(label, detail, url)])]}, empty kinds left
    out."""
    from django.urls import reverse

    results = []
    for network in network_summaries(user):
        n = network.slug
        sites = sites_for(user, network).filter(
            Q(name__icontains=text) | Q(parent__name__icontains=text)
        )[:PER_KIND]
        measures = measures_for(network).filter(
            Q(name__icontains=text) | Q(description__icontains=text)
        )[:PER_KIND]
        ideas = network_ideas(network).filter(name__icontains=text)[:PER_KIND]
        cycles = pdsa.search(user, network, {"q": text})[:PER_KIND]
        people = people_for(user, network, text, limit=PER_KIND)
        groups = [
            (
                "Schools",
                [
                    (s.name, s.parent.name if s.parent else "", reverse("site", args=[n, s.slug]))
                    for s in sites
                ],
            ),
            (
                "Measures",
                [
                    (m.name, m.get_kind_display(), reverse("measure", args=[n, m.slug]))
                    for m in measures
                ],
            ),
            (
                "Change ideas",
                [(i.name, "change idea", reverse("pdsa-idea", args=[n, i.key])) for i in ideas],
            ),
            (
                "PDSA cycles",
                [
                    (
                        c.title,
                        f"{c.project.site.name} · {c.get_status_display()}",
                        reverse("pdsa-detail", args=[n, c.pk]),
                    )
                    for c in cycles
                ],
            ),
            (
                "People",
                [(p.get_full_name() or p.username, f"@{p.username}", "") for p in people],
            ),
        ]
        groups = [(kind, rows) for kind, rows in groups if rows]
        if groups:
            results.append({"network": network, "groups": groups})
    return results


@login_required
@require_GET
def search(request):
    text = request.GET.get("q", "").strip()[:100]
    results = find(request.user, text) if len(text) >= 2 else []
    template = "workspace/_search_results.html" if request.htmx else "workspace/search.html"
    return render(request, template, {"q": text, "results": results})
