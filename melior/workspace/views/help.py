"""Help inside the app: the docs, the glossary."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import glossary
from .. import help as docs
from ..intros import PRINCIPLES


@login_required
@require_GET
def index(request):
    return render(
        request,
        "workspace/help_index.html",
        {"pages": docs.pages(), "principles": PRINCIPLES.values()},
    )


@login_required
@require_GET
def page(request, page):
    found = docs.render(page)
    if found is None:
        raise Http404("No such help page")
    title, html = found
    return render(request, "workspace/help_page.html", {"title": title, "html": html})


@login_required
@require_GET
def image(request, name):
    path = docs.image_path(name)
    if path is None:
        raise Http404("No such image")
    return FileResponse(path.open("rb"), content_type="image/png")


@login_required
@require_GET
def glossary_page(request):
    return render(request, "workspace/glossary.html", {"entries": glossary.entries()})
