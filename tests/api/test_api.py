"""The JSON API as an integration would use it: tokens, the same permissions as the app, and
clear 4xx answers."""

import datetime
import re

import pytest

from melior.api.services import create_token, revoke_token
from melior.measures.models import Observation
from melior.measures.services import record_observation

MONDAY = datetime.date(2025, 9, 1)


@pytest.fixture
def token(world):
    def make(key):
        return create_token(user=world.users[key], name="test")[1]

    return make


def call(client, method, url, key=None, **kwargs):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return getattr(client, method)(url, content_type="application/json", **headers, **kwargs)


def test_no_token_no_data(client, world):
    response = client.get("/api/networks")
    assert response.status_code == 401
    assert response.json()["detail"]
    assert call(client, "get", "/api/networks", "mlr_not-a-token").status_code == 401


def test_networks_and_sites_follow_the_permission_matrix(client, world, token):
    key = token("school:team_member")
    body = call(client, "get", "/api/networks", key).json()
    assert [n["slug"] for n in body["items"]] == [world.network.slug]
    sites = call(client, "get", f"/api/networks/{world.network.slug}/sites", key).json()
    assert [s["slug"] for s in sites["items"]] == [world.school.slug]
    assert sites["items"][0]["district"] == "Cedar District"
    outsider = token("outsider")
    assert call(client, "get", f"/api/networks/{world.network.slug}", outsider).status_code == 404


def test_revoked_token_stops_working(client, world):
    record, key = create_token(user=world.users["network:viewer"], name="export")
    assert call(client, "get", "/api/networks", key).status_code == 200
    revoke_token(token=record)
    assert call(client, "get", "/api/networks", key).status_code == 401


def test_observations_written_with_the_forms_rules(client, world, token):
    url = f"/api/networks/{world.network.slug}/observations"
    key = token("school:team_member")
    good = {"site": world.school.slug, "measure": "on-track", "period_start": "2025-09-01",
            "numerator": 30, "denominator": 40}  # fmt: skip
    response = call(client, "post", url, key, data=good)
    assert response.status_code == 201, response.content
    assert response.json()["numerator"] == 30
    again = call(client, "post", url, key, data=good)
    assert (
        again.status_code == 400 and "already a value" in again.json()["errors"]["period_start"][0]
    )
    corrected = call(client, "put", url, key, data={**good, "numerator": 31})
    assert corrected.status_code == 200 and corrected.json()["numerator"] == 31
    bad = call(
        client, "post", url, key, data={**good, "period_start": "2025-09-08", "numerator": 50}
    )
    assert bad.status_code == 400
    assert "larger than the denominator" in bad.json()["errors"]["numerator"][0]
    malformed = call(client, "post", url, key, data={**good, "period_start": "next week"})
    assert malformed.status_code == 422
    assert Observation.objects.count() == 1


def test_viewer_and_other_schools_cannot_write(client, world, token):
    url = f"/api/networks/{world.network.slug}/observations"
    payload = {"site": world.school.slug, "measure": "on-track", "period_start": "2025-09-01",
               "numerator": 1, "denominator": 2}  # fmt: skip
    assert call(client, "post", url, token("network:viewer"), data=payload).status_code == 403
    other = {**payload, "site": world.sibling_school.slug}
    assert call(client, "post", url, token("school:site_lead"), data=other).status_code == 404
    assert not Observation.objects.exists()


def test_observations_are_filtered_and_paginated(client, world, token):
    for week in range(3):
        for school in (world.school, world.sibling_school):
            record_observation(
                measure=world.measure, organization=school,
                period=MONDAY + datetime.timedelta(weeks=week), numerator=1, denominator=2,
            )  # fmt: skip
    url = f"/api/networks/{world.network.slug}/observations"
    everything = call(client, "get", url, token("network:viewer")).json()
    assert everything["count"] == 6
    mine = call(client, "get", url, token("school:viewer")).json()
    assert mine["count"] == 3 and {o["site"] for o in mine["items"]} == {world.school.slug}
    since = call(client, "get", url + "?since=2025-09-08&site=" + world.school.slug,
                 token("network:viewer")).json()  # fmt: skip
    assert [o["period_start"] for o in since["items"]] == ["2025-09-08", "2025-09-15"]


def test_chart_and_projects(client, world, token):
    from melior.projects.services import create_project

    for week in range(12):
        record_observation(
            measure=world.measure, organization=world.school,
            period=MONDAY + datetime.timedelta(weeks=week), numerator=10 + week % 3, denominator=20,
        )  # fmt: skip
    project = create_project(network=world.network, site=world.school, title="On-track",
                             aim_measure=world.measure)  # fmt: skip
    key = token("school:viewer")
    site_url = f"/api/networks/{world.network.slug}/sites/{world.school.slug}"
    chart = call(client, "get", f"{site_url}/measures/on-track/chart", key).json()
    assert chart["chart"] == "p" and chart["status"] == "no change" and chart["signals"]
    projects = call(client, "get", f"/api/networks/{world.network.slug}/projects", key).json()
    assert projects["items"][0]["aim_measure"] == "on-track"
    assert call(client, "get", f"/api/networks/{world.network.slug}/projects/{project.pk}",
                token("outsider")).status_code == 404  # fmt: skip


def test_schema_and_docs_are_served_without_a_cdn(client, world):
    client.force_login(world.users["network:viewer"])
    schema = client.get("/api/openapi.json").json()
    assert "/api/networks/{slug}/observations" in schema["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "cdn." not in docs.text
    assert re.search(r"/static/ninja/swagger-ui-bundle\.[0-9a-f]{12}\.js", docs.text)  # hashed


def test_page_numbers_out_of_range_are_refused_not_crashed(client, world, token):
    # found by the schema fuzzing: an offset past the database's integer range
    key = token("network:viewer")
    huge = call(client, "get", "/api/networks?page=264280207048850211222847488", key)
    assert huge.status_code == 422
    assert call(client, "get", "/api/networks?page_size=5000", key).status_code == 422
    assert call(client, "get", "/api/networks?page=1000000", key).json()["items"] == []
