"""Schools from the NCES Common Core of Data columns, all or nothing; retiring a school."""

import pytest
from django.core.exceptions import ValidationError

from melior.administration.services import schools
from melior.networks.models import NetworkSite, Organization
from melior.networks.services import create_network

HEADER = "NCESSCH,LEAID,SCH_NAME,LEA_NAME,LEVEL,ULOCALE,MEMBER,TOTFRL\n"
ROWS = (
    "062271003230,0622710,Roosevelt High,Los Angeles Unified,High,11-City: Large,1600,1200\n"
    "062271003231,0622710,Kennedy Middle,Los Angeles Unified,Middle,21-Suburb: Large,800,200\n"
    "480894000471,4808940,Austin Elementary,Austin ISD,Elementary,31,400,-1\n"
)


@pytest.fixture
def network(db):
    return create_network(name="Adoption Network")


def test_a_ccd_file_brings_in_schools_and_districts_with_their_context(network):
    plan = schools.import_schools(network=network, text=HEADER + ROWS, dry_run=True)
    assert [r.name for r in plan.new_schools] == ["Roosevelt High", "Kennedy Middle",
                                                  "Austin Elementary"]  # fmt: skip
    assert plan.new_districts == {"0622710": "Los Angeles Unified", "4808940": "Austin ISD"}
    assert not Organization.objects.exists()  # a dry run writes nothing
    schools.import_schools(network=network, text=HEADER + ROWS)
    roosevelt = network.sites.get(nces_id="062271003230")
    assert (roosevelt.level, roosevelt.locale, roosevelt.enrolment) == ("high", "city", 1600)
    assert roosevelt.poverty_share == 0.75  # TOTFRL / MEMBER
    assert roosevelt.parent.nces_id == "0622710" and roosevelt.parent.kind == "district"
    austin = network.sites.get(nces_id="480894000471")
    assert (austin.locale, austin.poverty_share) == ("town", None)  # -1: not reported
    # the same file again updates, adds nothing twice
    schools.import_schools(network=network, text=HEADER + ROWS.replace("1600,1200", "1700,1190"))
    assert network.sites.count() == 3 and Organization.objects.count() == 5
    assert network.sites.get(nces_id="062271003230").enrolment == 1700


def test_pasted_from_a_spreadsheet_with_tabs(network):
    text = (HEADER + ROWS).replace(",", "\t")
    assert len(schools.import_schools(network=network, text=text).rows) == 3


def test_every_bad_row_is_named_and_nothing_is_written(network):
    bad = (
        HEADER
        + ROWS
        + "062271003230,0622710,Roosevelt Again,Los Angeles Unified,High,11,10,1\n"  # duplicate
        + "099999000001,0999999,Nowhere High,,High,11,10,1\n"  # unknown district
        + "12345,0622710,Short Id,Los Angeles Unified,Upper,99,ten,\n"
    )
    with pytest.raises(ValidationError) as refusal:
        schools.import_schools(network=network, text=bad)
    errors = refusal.value.messages
    assert len(errors) == 3
    assert errors[0].startswith("Row 5 (NCESSCH 062271003230)") and "also on row 2" in errors[0]
    assert "Row 6" in errors[1] and "unknown district" in errors[1]
    assert "Row 7" in errors[2] and "12-digit" in errors[2] and "LEVEL “Upper”" in errors[2]
    assert "ULOCALE “99”" in errors[2] and "“ten” is not a number" in errors[2]
    assert not Organization.objects.exists()


def test_a_file_without_the_id_columns_is_refused_whole(network):
    with pytest.raises(ValidationError, match="Columns missing: NCESSCH"):
        schools.import_schools(network=network, text="SCH_NAME,LEAID\nA,0622710\n")


def test_a_district_of_another_network_is_not_brought_in(network, world):
    world.district.nces_id = "0612345"
    world.district.save()
    text = HEADER + "061234500001,0612345,New School,Cedar District,High,11,100,10\n"
    with pytest.raises(ValidationError, match="part of another network; only its own data steward"):
        schools.import_schools(network=network, text=text)
    assert not network.sites.exists()


def test_a_retired_school_leaves_the_network_page_but_keeps_its_pages(client, world):
    client.force_login(world.users["network:network_lead"])
    n = world.network.slug
    assert client.post(f"/n/{n}/settings/schools/{world.school.slug}/retire/").status_code == 302
    assert NetworkSite.objects.get(organization=world.school).retired_on is not None
    page = client.get(f"/n/{n}/").text
    assert f"/s/{world.school.slug}/" not in page and f"/s/{world.sibling_school.slug}/" in page
    assert client.get(f"/n/{n}/s/{world.school.slug}/").status_code == 200  # history stays
    assert Organization.objects.filter(pk=world.school.pk).exists()
    client.post(f"/n/{n}/settings/schools/{world.school.slug}/retire/", {"retire": "0"})
    assert f"/s/{world.school.slug}/" in client.get(f"/n/{n}/").text


def test_adding_and_editing_a_school_names_the_wrong_field(client, world):
    client.force_login(world.users["network:network_lead"])
    n = world.network.slug
    world.school.nces_id = "061234500001"
    world.school.save()
    twin = {"name": "Twin High", "nces_id": "061234500001", "district": world.district.pk}
    answer = client.post(f"/n/{n}/settings/schools/add/", twin)
    assert answer.status_code == 400
    assert "Another school or district has the NCES id 061234500001" in answer.text
    answer = client.post(f"/n/{n}/settings/schools/add/",
                         {"name": "New High", "new_district": "Elm District",
                          "new_district_leaid": "12"})  # fmt: skip
    assert answer.status_code == 400 and "7 digits" in answer.text
    assert not Organization.objects.filter(
        name__in=["Twin High", "New High", "Elm District"]
    ).exists()
    answer = client.post(f"/n/{n}/settings/schools/add/",
                         {"name": "New High", "new_district": "Elm District",
                          "new_district_leaid": "1234567", "level": "high"})  # fmt: skip
    assert answer.status_code == 302
    assert world.network.sites.get(name="New High").parent.name == "Elm District"
    answer = client.post(f"/n/{n}/settings/schools/{world.school.slug}/",
                         {"name": "Lincoln High", "poverty_share": "1.5"})  # fmt: skip
    assert answer.status_code == 400
    world.school.refresh_from_db()
    assert world.school.poverty_share is None


def test_a_retired_school_is_offered_for_no_new_work(client, world):
    from melior.networks.services import set_retired

    client.force_login(world.users["district:site_lead"])
    n = world.network.slug
    picker = client.get(f"/n/{n}/week/")
    assert picker.status_code == 200
    assert world.school.name in picker.text and world.sibling_school.name in picker.text
    set_retired(link=NetworkSite.objects.get(organization=world.school), retired=True)
    # the week's data entry goes straight to the one school left; My work asks for nothing there
    only = client.get(f"/n/{n}/week/")
    assert only.status_code == 302 and f"/s/{world.sibling_school.slug}/week/" in only["Location"]
    assert f"/s/{world.school.slug}/" not in client.get("/").text
