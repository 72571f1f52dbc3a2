"""The problem page: fishbone causes with evidence and drivers, Pareto tallies (entered or
imported all-or-nothing), the process map and empathy notes; who may change them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from melior.problems import selectors, services
from melior.problems.models import CauseTally
from melior.projects.services import create_project
from melior.theory import services as theory


@pytest.fixture
def analysis(world):
    diagram = theory.network_diagram(world.network)
    theory.replace_from_outline(diagram=diagram, text="Aim\n  Students attend\n    Mentors\n")
    a = services.analysis_for(world.network)
    students = services.add_category(analysis=a, name="Students")
    absence = services.save_cause(
        analysis=a,
        category=students,
        name="Chronic absence",
        in_control="yes",
        drivers=[diagram.nodes.get(name="Students attend")],
    )
    services.save_cause(
        analysis=a, category=students, name="Transport", parent=absence, in_control="no"
    )
    return a


def url(world, project=None, action=None):
    """The problem page, or the address of one of its changes."""
    name = "problem" if action is None else f"problem-{action}"
    if project is None:
        return reverse(name, kwargs={"network": world.network.slug})
    return reverse(f"project-{name}", kwargs={"network": world.network.slug, "project": project.pk})


def test_cause_rules(world, analysis):
    students = analysis.categories.get()
    absence = analysis.causes.get(name="Chronic absence")
    transport = analysis.causes.get(name="Transport")
    with pytest.raises(ValidationError, match="already a category"):
        services.add_category(analysis=analysis, name="students")
    with pytest.raises(ValidationError, match="one level deep"):
        services.save_cause(analysis=analysis, category=students, name="Bus", parent=transport)
    other = services.add_category(analysis=analysis, name="Methods")
    with pytest.raises(ValidationError, match="in another category"):
        services.save_cause(analysis=analysis, category=other, name="Bus", parent=absence)
    with pytest.raises(ValidationError, match="Not a web address"):
        services.save_cause(analysis=analysis, category=students, name="Bus", links="see notes")
    with pytest.raises(ValidationError, match="still has causes"):
        services.delete_category(category=students)
    # moving a cause moves its sub-causes with it
    services.save_cause(analysis=analysis, cause=absence, category=other, name="Chronic absence")
    transport.refresh_from_db()
    assert transport.category == other
    # drivers come from this network's theory only
    elsewhere = theory.network_diagram(world.other_network)
    theory.replace_from_outline(diagram=elsewhere, text="Read\n  Phonics\n")
    with pytest.raises(ValidationError, match="not a driver of this theory"):
        services.save_cause(
            analysis=analysis,
            category=other,
            name="X",
            drivers=[elsewhere.nodes.get(name="Phonics")],
        )


def test_tally_import_is_all_or_nothing_and_feeds_the_pareto(world, analysis):
    bad = b"cause,count,date\nChronic absence,12,2025-10-01\nNo such cause,3,\nTransport,x,\n"
    with pytest.raises(ValidationError) as refused:
        services.import_tallies(analysis=analysis, data=bad)
    assert refused.value.messages == [
        "Row 3, cause: no cause called “No such cause”.",
        "Row 4, count: “x” is not a whole number ≥ 0.",
    ]
    assert not CauseTally.objects.exists()
    good = "\ufeffCause;Count\nchronic absence;12\nTransport;4\nChronic absence;3\n".encode()
    assert services.import_tallies(analysis=analysis, data=good, source="log.csv") == 3
    pareto = selectors.pareto(analysis)
    assert pareto.data[["label", "count"]].values.tolist() == [
        ["Chronic absence", 15],
        ["Transport", 4],
    ]
    for data, message in [
        (b"", "empty"),
        (b"name,total\nx,1\n", "has no “cause” column"),
        (b"cause,count\n", "no rows"),
    ]:
        with pytest.raises(ValidationError, match=message):
            services.import_tallies(analysis=analysis, data=data)
    # a spreadsheet's "Unicode text" (UTF-16, tab-separated) is read as well as CSV UTF-8
    unicode_text = "cause\tcount\r\nTransport\t1\r\n".encode("utf-16")
    assert services.import_tallies(analysis=analysis, data=unicode_text) == 1
    with pytest.raises(ValidationError, match="in the future"):
        services.add_tally(
            cause=analysis.causes.first(),
            count=1,
            observed_on=datetime.date.today() + datetime.timedelta(days=1),
        )


def test_the_page_draws_everything_and_shows_which_field_is_wrong(client, world, analysis):
    client.force_login(world.users["network:improvement_coach"])
    page = url(world)
    client.post(
        url(world, action="step-add"), {"name": "Teacher marks absence", "owner": "Teacher"}
    )
    client.post(
        url(world, action="step-add"), {"name": "Clerk runs report", "pain_point": "A day late"}
    )
    client.post(
        url(world, action="tally-add"),
        {
            "cause": analysis.causes.get(name="Transport").pk,
            "count": "7",
            "observed_on": "2025-10-01",
        },
    )
    client.post(
        url(world, action="interview-add"),
        {
            "role": "Parent",
            "interviewed_on": "2025-10-02",
            "heard": "Nobody called",
            "causes": [analysis.causes.first().pk],
        },
    )
    text = client.get(page).text
    assert 'class="fishbone"' in text and "↳ Transport" in text
    assert 'class="process-map"' in text and "⚠ A day late" in text
    assert "pareto-spec" in text and "1 of 1 causes account for 100%" in text
    assert "Nobody called" in text and "Students attend" in text  # the driver addressing a cause
    note = analysis.interviews.get()
    assert f'href="#interview-{note.pk}">the interview with a Parent, Oct 2, 2025' in text

    refused = client.post(
        url(world, action="interview-add"),
        {"role": "Student", "interviewed_on": "2999-01-01", "heard": "x"},
    )
    assert refused.status_code == 400 and "That date is in the future." in refused.text
    assert 'value="Student"' in refused.text  # what was typed is kept
    refused = client.post(url(world, action="tally-add"), {"count": "-1"})
    assert refused.status_code == 400 and "This field is required." in refused.text
    upload = client.post(
        url(world, action="tally-import"), {"file": _file(b"cause,count\nNope,1\n")}
    )
    assert upload.status_code == 400 and "no cause called “Nope”" in upload.text
    assert client.post(url(world, action="step-move"), {"step": "abc"}).status_code == 400
    step = analysis.steps.get(name="Clerk runs report")
    client.post(url(world, action="step-move"), {"step": step.pk, "direction": "up"})
    assert analysis.steps.first() == step


def _file(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("tallies.csv", content, content_type="text/csv")


def test_who_may_change_which_analysis(client, world, analysis):
    project = create_project(network=world.network, site=world.school, title="On track")
    statement = {
        "problem_statement": "Too many fail",
        "why_it_matters": "Graduation",
    }
    client.force_login(world.users["school:site_lead"])
    assert (
        client.post(url(world, action="statement"), statement).status_code == 403
    )  # the network's is the hub's
    assert client.post(url(world, project, "statement"), statement).status_code == 302
    project.refresh_from_db()
    assert project.problem_statement == "Too many fail" and project.why_it_matters == "Graduation"
    client.force_login(world.users["school:team_member"])  # not on the team
    assert client.post(url(world, project, "statement"), statement).status_code == 403
    assert "Too many fail" in client.get(url(world, project)).text
    client.force_login(world.users["network:improvement_coach"])
    assert client.post(url(world, action="statement"), statement).status_code == 302
    world.network.refresh_from_db()
    assert world.network.problem_statement == "Too many fail"
    client.force_login(world.users["outsider"])
    assert client.get(url(world)).status_code == 404


def test_a_cause_links_to_the_node_page_and_back(client, world, analysis):
    client.force_login(world.users["network:viewer"])
    driver = theory.network_diagram(world.network).nodes.get(name="Students attend")
    node_page = client.get(
        reverse("theory-node", kwargs={"network": world.network.slug, "key": driver.key})
    ).text
    cause = analysis.causes.get(name="Chronic absence")
    assert f"{url(world)}#cause-{cause.pk}" in node_page
    problem_page = client.get(url(world)).text
    assert (
        reverse("theory-node", kwargs={"network": world.network.slug, "key": driver.key})
        in problem_page
    )


def test_a_theory_node_shows_only_causes_from_schools_in_reach(client, world, analysis):
    """A school's people saw another school's problem-analysis causes on a node's page, though
    that school's project page is not found for them."""
    node = world.network.diagrams.get(project=None).nodes.get(name="Students attend")
    parks = create_project(network=world.network, site=world.sibling_school, title="Parks")
    parks_analysis = services.analysis_for(world.network, parks)
    services.save_cause(
        analysis=parks_analysis,
        category=services.add_category(analysis=parks_analysis, name="Transport"),
        name="Parks bus route cut",
        in_control="no",
        drivers=[node],
    )
    page = reverse("theory-node", kwargs={"network": world.network.slug, "key": node.key})
    client.force_login(world.users["school:site_lead"])
    shown = client.get(page).text
    assert "Chronic absence" in shown and "Parks bus route cut" not in shown
    client.force_login(world.users["network:improvement_coach"])
    assert "Parks bus route cut" in client.get(page).text


def test_each_change_has_its_own_address_and_deletes_only_its_own(client, world, analysis):
    project = create_project(network=world.network, site=world.school, title="On track")
    theirs = services.analysis_for(world.network, project)
    their_category = services.add_category(analysis=theirs, name="School")
    client.force_login(world.users["network:improvement_coach"])
    page = client.get(url(world)).text
    assert 'name="form"' not in page
    assert f'formaction="{url(world, action="category-delete")}"' in page
    assert f'action="{url(world, action="cause-edit")}"' in page
    # the network's page cannot delete the project's category, nor one that has causes
    gone = client.post(url(world, action="category-delete"), {"category": their_category.pk})
    assert gone.status_code == 400 and "Choose a category." in gone.text
    students = analysis.categories.get(name="Students")
    refused = client.post(url(world, action="category-delete"), {"category": students.pk})
    assert refused.status_code == 400 and "still has causes" in refused.text
    assert theirs.categories.exists() and analysis.categories.exists()
    renamed = client.post(
        url(world, action="category-rename"), {"category": students.pk, "name": "Learners"}
    )
    assert renamed.status_code == 302 and renamed["Location"].endswith("#fishbone")
    transport = analysis.causes.get(name="Transport")
    edited = client.post(
        url(world, action="cause-edit"),
        {"cause": transport.pk, "name": "Bus", "category": students.pk, "in_control": "no"},
    )
    assert edited.status_code == 302
    transport.refresh_from_db()
    assert transport.name == "Bus" and transport.parent is None
    tally = services.add_tally(cause=transport, count=3)
    step = services.save_step(analysis=analysis, name="Teacher marks absence")
    note = services.add_interview(
        analysis=analysis, role="Parent", interviewed_on=datetime.date(2025, 10, 2), heard="x"
    )
    for action, field, pk in (
        ("tally-delete", "tally", tally.pk),
        ("step-delete", "step", step.pk),
        ("interview-delete", "interview", note.pk),
        ("cause-delete", "cause", transport.pk),
    ):
        assert client.post(url(world, action=action), {field: pk}).status_code == 302, action
    assert not analysis.steps.exists() and not analysis.interviews.exists()
    assert not CauseTally.objects.exists() and not analysis.causes.filter(name="Bus").exists()
    # the project's team changes the project's analysis at the project's addresses
    client.force_login(world.users["school:site_lead"])
    answer = client.post(url(world, project, "category-delete"), {"category": their_category.pk})
    assert answer.status_code == 302 and not theirs.categories.exists()
    assert client.post(url(world, action="category-add"), {"name": "X"}).status_code == 403
