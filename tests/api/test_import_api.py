"""Importing observations over the API: the same pipeline, the same problems as the import page
and the command line (row, column, value, message), 400 and nothing written when refused."""

import io
import re
from html import unescape

from django.core.files.uploadedfile import SimpleUploadedFile
from typer.testing import CliRunner

from melior.api.services import create_token
from melior.cli import app
from melior.measures.models import Observation

HEADER = "site,measure,period_start,numerator,denominator\n"


def bad_file(world) -> bytes:
    return (
        HEADER
        + f"{world.school.slug},on-track,2025-09-01,50,40\n"  # numerator > denominator
        + "nowhere-high,on-track,2025-09-08,5,40\n"
        + f"{world.school.slug},on-track,someday,5,40\n"
    ).encode()


def test_the_api_page_and_command_line_give_the_same_problems(client, world, tmp_path):
    user = world.users["network:network_lead"]
    key = create_token(user=user, name="import")[1]
    url = f"/api/networks/{world.network.slug}/observations/import"
    data = bad_file(world)
    answer = client.post(
        url,
        {"file": SimpleUploadedFile("weeks.csv", data)},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["detail"] == "3 problems — nothing was written." and body["total"] == 3
    from_api = [(p["row"], p["column"], p["value"]) for p in body["problems"]]
    assert from_api == [
        (2, "numerator", "50"),
        (3, "site", "nowhere-high"),
        (4, "period_start", "someday"),
    ]
    client.force_login(user)
    upload = io.BytesIO(data)
    upload.name = "weeks.csv"
    page = client.post(f"/n/{world.network.slug}/import/", {"file": upload})
    assert page.status_code == 400
    cells = re.findall(
        r'<td class="num">(\d+)</td><td>([^<]+)</td><td><code>([^<]+)</code></td><td>([^<]+)</td>',
        page.content.decode(),
    )
    assert [(int(r), c, unescape(v)) for r, c, v, _ in cells] == from_api
    assert [unescape(m) for *_, m in cells] == [p["message"] for p in body["problems"]]
    path = tmp_path / "weeks.csv"
    path.write_bytes(data)
    result = CliRunner().invoke(
        app, ["import", "observations", str(path), "--network", world.network.slug]
    )
    assert result.exit_code == 2 and "3 problems — nothing was written." in result.output
    for row, column, value in from_api:
        assert re.search(rf"│\s+{row} │ {column}\s+│ {value}\s+│", result.output), result.output
    assert not Observation.objects.exists()


def test_a_good_file_is_checked_then_imported_over_the_api(client, world):
    key = create_token(user=world.users["school:site_lead"], name="import")[1]
    url = f"/api/networks/{world.network.slug}/observations/import"
    data = (HEADER + f"{world.school.slug},on-track,2025-09-01,5,10\n").encode()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    dry = client.post(url, {"file": SimpleUploadedFile("w.csv", data), "dry_run": "true"}, **auth)
    assert dry.status_code == 200 and dry.json()["added"] == 1 and dry.json()["dry_run"]
    assert not Observation.objects.exists()
    done = client.post(url, {"file": SimpleUploadedFile("w.csv", data)}, **auth)
    assert done.status_code == 200 and (done.json()["added"], done.json()["rows"]) == (1, 1)
    assert Observation.objects.get().entered_by == world.users["school:site_lead"]
    other = f"{world.sibling_school.slug},on-track,2025-09-01,5,10\n"
    refused = client.post(
        url, {"file": SimpleUploadedFile("w.csv", (HEADER + other).encode())}, **auth
    )
    assert refused.status_code == 400
    assert refused.json()["problems"][0]["message"] == "You may not enter data for Parks High."
    viewer = create_token(user=world.users["network:viewer"], name="v")[1]
    forbidden = client.post(
        url, {"file": SimpleUploadedFile("w.csv", data)}, HTTP_AUTHORIZATION=f"Bearer {viewer}"
    )
    assert forbidden.status_code == 403
