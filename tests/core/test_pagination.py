"""One way to page a list: a missing or bad page number shows the first page, one past the end
the last."""

from django.test import RequestFactory

from melior.core.pagination import PAGE_SIZE, page_of


def test_pages_of_a_hundred_and_forgiving_page_numbers():
    items = list(range(250))
    factory = RequestFactory()

    def page(number=None, **options):
        query = {} if number is None else {"page": number}
        return page_of(factory.get("/", query), items, **options)

    assert PAGE_SIZE == 100
    assert list(page()) == list(range(100))
    assert list(page("2")) == list(range(100, 200))
    assert page("nonsense").number == 1
    assert page("99").number == 3 and list(page("99")) == list(range(200, 250))
    assert page("2", per_page=25).start_index() == 26
