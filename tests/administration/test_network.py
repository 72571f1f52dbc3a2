"""The network's own settings, the operator's new network, and starting a project."""

import re

import pytest
from django.core import mail

from melior.networks.models import Network


@pytest.mark.django_db
def test_the_lead_saves_the_aim_and_phase_and_sees_the_aim_checked(client, world):
    client.force_login(world.users["network:network_lead"])
    url = f"/n/{world.network.slug}/settings/"
    page = client.get(url)
    assert "no “by when”" in page.text
    answer = client.post(url, {"name": "Ninth Grade Network", "aim": "85% of 9th graders on "
                               "track by June 2027", "phase": "testing"})  # fmt: skip
    assert answer.status_code == 302
    world.network.refresh_from_db()
    assert world.network.aim.startswith("85%") and world.network.phases.first().phase == "testing"
    assert "Yes: it says what will improve" in client.get(url).text
    assert client.post(url, {"name": " ", "aim": "x"}).status_code == 400
    client.force_login(world.users["network:improvement_coach"])
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_the_operator_starts_a_network_and_invites_its_lead(client, django_user_model):
    operator = django_user_model.objects.create_superuser("operator", "op@example.org", "pw-x-123")
    client.force_login(operator)
    assert "Start a network" in client.get("/").text
    answer = client.post("/networks/new/", {"name": "River Valley NIC", "aim": "",
                                            "lead_email": "not-an-email"})  # fmt: skip
    assert answer.status_code == 400 and not Network.objects.exists()
    answer = client.post("/networks/new/", {"name": "River Valley NIC", "aim": "",
                                            "lead_email": "lead@rv.org"})  # fmt: skip
    assert answer.status_code == 302
    assert mail.outbox[0].to == ["lead@rv.org"] and "Network lead" in mail.outbox[0].body
    link = re.search(r"/invitations/\S+/", mail.outbox[0].body).group(0)
    client.logout()
    client.post(link, {"username": "rvlead", "password1": "a-long-pass-9x",
                       "password2": "a-long-pass-9x"})  # fmt: skip
    assert client.get("/n/river-valley-nic/settings/people/").status_code == 200


@pytest.mark.django_db
def test_only_the_operator_starts_networks(client, world):
    client.force_login(world.users["network:network_lead"])
    assert client.get("/networks/new/").status_code == 403


@pytest.mark.django_db
def test_someone_with_no_network_is_told_how_to_join(client, django_user_model):
    user = django_user_model.objects.create_user("new", "new@d.org", "pw-x-123")
    client.force_login(user)
    page = client.get("/").text
    assert "new@d.org" in page and "Settings › People" in page


@pytest.mark.django_db
def test_a_site_lead_starts_a_project_from_the_school_page(client, world):
    n, s = world.network.slug, world.school.slug
    client.force_login(world.users["school:site_lead"])
    assert "Start a project" in client.get(f"/n/{n}/s/{s}/").text
    answer = client.post(f"/n/{n}/s/{s}/projects/new/", {"title": "", "status": "active"})
    assert answer.status_code == 400
    answer = client.post(f"/n/{n}/s/{s}/projects/new/", {
        "title": "Ninth grade on track", "aim_statement": "Raise on-track to 85%",
        "status": "active"})  # fmt: skip
    assert answer.status_code == 302
    project = world.network.projects.get()
    assert project.site == world.school and list(project.team.all()) == [
        world.users["school:site_lead"]
    ]
    assert "No “for whom”" in client.get(answer["Location"]).text  # the aim checker reads it
    assert client.get(f"/n/{n}/s/{world.sibling_school.slug}/projects/new/").status_code == 404
    client.force_login(world.users["school:team_member"])
    assert "Start a project" not in client.get(f"/n/{n}/s/{s}/").text
    assert client.get(f"/n/{n}/s/{s}/projects/new/").status_code == 403
