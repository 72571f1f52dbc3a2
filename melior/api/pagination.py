"""Page-number pagination with bounds the database can always honour."""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 1_000_000  # an offset beyond any real table, still inside the databases' integer range
MAX_PAGE_SIZE = 1000


class Pages(PageNumberPagination):
    """?page=N&page_size=M, with N up to a million and M up to 1,000 (422 beyond)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)

    def __init__(self, page_size: int = 100, **kwargs):
        super().__init__(page_size=page_size, max_page_size=MAX_PAGE_SIZE, **kwargs)
