"""Pages of a long list, on the web and in the API, with one convention for their size.

A page of records (student rows, log entries, API answers) holds `PAGE_SIZE` of them; a page whose
rows are heavy (a school's status cells across every measure, chart thumbnails) sets a smaller size
next to its view. Page numbers out of range show the nearest page on the web and get a 422 in the
API."""

from django.core.paginator import Page, Paginator
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

PAGE_SIZE = 100
MAX_PAGE = 1_000_000  # an offset beyond any real table, still inside the databases' integer range
MAX_PAGE_SIZE = 1000


def page_of(request, items, *, per_page: int = PAGE_SIZE) -> Page:
    """The page of `items` that `?page=` asks for (the first for a missing or bad number, the
    last for one past the end). Render its links with `{% include "_pagination.html" %}`."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


class Pages(PageNumberPagination):
    """API pages: ?page=N&page_size=M, with N up to a million and M up to 1,000 (422 beyond)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)

    def __init__(self, page_size: int = PAGE_SIZE, **kwargs):
        super().__init__(page_size=page_size, max_page_size=MAX_PAGE_SIZE, **kwargs)
