"""The network page stays light at any size: schools needing attention first, the rest in
pages a person can walk through or filter, every school reachable."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from melior.measures.services import record_observation
from melior.networks.services import add_site, create_organization

MONDAY = datetime.date(2025, 1, 6)


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.count = 0

    def handle_starttag(self, tag, attrs):
        self.count += 1


def elements(html: str) -> int:
    counter = _Elements()
    counter.feed(html)
    return counter.count


@pytest.fixture
def big(world, weekly):
    """60 more schools; the last by name has a falling on-track rate (worsening)."""
    for k in range(60):
        school = create_organization(name=f"School {k:02d}", parent=world.district)
        add_site(network=world.network, organization=school)
    falling = create_organization(name="Zeta High", parent=world.district)
    add_site(network=world.network, organization=falling)
    weekly(
        [30 if week < 12 else 10 for week in range(24)], denominator=40, site=falling, start=MONDAY
    )
    return world


def page(client, world, **params):
    url = reverse("network", kwargs={"network": world.network.slug})
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def row_schools(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', html)


def test_a_school_needing_attention_comes_first_and_every_school_is_reachable(client, big):
    client.force_login(big.users["network:network_lead"])
    first = page(client, big)
    assert row_schools(first)[0] == "Zeta High"
    assert "1 needs attention" in first
    assert elements(first) < 2000
    seen, number = [], 1
    while True:
        html = page(client, big, page=number)
        seen += row_schools(html)
        if 'rel="next"' not in html:
            break
        number += 1
    assert number == 3  # 63 schools, 25 a page
    assert sorted(seen) == sorted(
        ["Lincoln High", "Parks High", "Zeta High", *(f"School {k:02d}" for k in range(60))]
    )


def test_filter_by_name_and_by_attention(client, big):
    client.force_login(big.users["network:network_lead"])
    assert row_schools(page(client, big, q="parks")) == ["Parks High"]
    assert row_schools(page(client, big, q="cedar district"))[0] == "Zeta High"  # by district
    assert row_schools(page(client, big, show="attention")) == ["Zeta High"]
    assert "No school matches." in page(client, big, q="nowhere")
    assert len(row_schools(page(client, big, show="nonsense"))) == 25  # falls back to all


def test_a_school_member_pages_only_through_their_school(client, big):
    client.force_login(big.users["school:site_lead"])
    html = page(client, big)
    assert row_schools(html) == ["Lincoln High"]
    assert "Zeta High" not in html and "Pages of schools" not in html


def test_improving_and_worsening_follow_each_measures_own_better_direction(client, world):
    """Referrals fall (lower is better: improving) while on-track falls (worsening); both show
    ▼ for the way they moved, with the word beside it and the whole sentence for a screen
    reader."""
    for week in range(24):
        monday = MONDAY + datetime.timedelta(weeks=week)
        record_observation(
            measure=world.count_measure,
            organization=world.school,
            period=monday,
            value=20 if week < 12 else 3,
        )
        record_observation(
            measure=world.measure,
            organization=world.school,
            period=monday,
            numerator=30 if week < 12 else 10,
            denominator=40,
        )
    client.force_login(world.users["network:network_lead"])
    html = page(client, world)
    cells = re.findall(
        r'<a class="status ([a-z-]+)"[^>]*><span aria-hidden="true">(.)</span>'
        r'<span class="word" aria-hidden="true">([a-z ]+)</span>'
        r'<span class="visually-hidden">([^<]+)</span>',
        html,
    )
    lincoln = {
        text.split(" at ")[0]: (css, symbol, word, text)
        for css, symbol, word, text in cells
        if " at Lincoln High" in text
    }
    assert lincoln["Referrals"][:3] == ("improving", "▼", "improving")
    assert "falling; lower is better" in lincoln["Referrals"][3]
    assert lincoln["On track"][:3] == ("worsening", "▼", "worsening")
    assert "falling; higher is better" in lincoln["On track"][3]


def test_page_links_keep_the_search(client, big):
    client.force_login(big.users["network:network_lead"])
    first = page(client, big, q="school")
    assert 'href="?q=school&amp;page=2" rel="next"' in first
    assert "Schools 1–25 of 60" in first
    last = page(client, big, q="school", page=3)
    assert len(row_schools(last)) == 10
    assert all(name.startswith("School ") for name in row_schools(last))
    assert 'href="?q=school&amp;page=2" rel="prev"' in last
