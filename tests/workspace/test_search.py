"""Search from the top bar: only what the person may see, grouped by kind."""

from django.urls import reverse


def search(client, user, text, htmx=False):
    client.force_login(user)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(reverse("search"), {"q": text}, headers=headers)
    assert response.status_code == 200
    return response


def found(response):
    return {
        kind: [label for label, _, _ in rows]
        for r in response.context["results"]
        for kind, rows in r["groups"]
    }


def test_a_school_member_finds_only_their_own_school(client, world):
    assert found(search(client, world.users["school:team_member"], "high")) == {
        "Schools": ["Lincoln High"]
    }


def test_a_network_lead_finds_every_school_and_the_district(client, world):
    response = search(client, world.users["network:network_lead"], "cedar")
    assert found(response) == {"Schools": ["Lincoln High", "Parks High"]}


def test_measures_change_ideas_cycles_and_people_are_grouped(client, world, cycle_at):
    cycle_at(world.school, "Referral check-ins", None)
    cycle_at(world.sibling_school, "Referral huddles at Parks", None)
    response = search(client, world.users["school:team_member"], "referral")
    assert found(response) == {
        "Measures": ["Referrals"],
        "PDSA cycles": ["Referral check-ins"],  # not the other school's
    }
    ideas = search(client, world.users["school:team_member"], "check-ins")
    assert found(ideas)["Change ideas"] == ["Weekly check-ins"]


def test_people_of_other_networks_stay_hidden(client, world):
    lead = world.users["network:network_lead"]
    assert found(search(client, lead, "school-team"))["People"] == ["school-team_member"]
    assert "People" not in found(search(client, lead, "outsider"))


def test_htmx_gets_the_results_alone_and_a_plain_get_the_page(client, world):
    live = search(client, world.users["network:network_lead"], "parks", htmx=True)
    assert "<html" not in live.text and "Parks High" in live.text
    page = search(client, world.users["network:network_lead"], "parks")
    assert "<html" in page.text and 'hx-get="/search/"' in page.text


def test_one_letter_asks_for_more(client, world):
    response = search(client, world.users["network:network_lead"], "p")
    assert response.context["results"] == [] and "at least two letters" in response.text


def test_the_top_bar_has_a_labelled_search(client, world):
    client.force_login(world.users["school:team_member"])
    page = client.get(reverse("help")).text
    assert 'action="/search/"' in page and '<label for="top-search-q"' in page
