"""EdTech pilots in the product: a plan registered before the lot (time and fingerprint),
visible amendments, exploratory outcomes, assignment from the roster, a report that respects
consent and small cells, the decision — and who may do each."""

import datetime

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from melior.analysis.suppression import feasible_ranges, possible_values
from melior.evaluation import evidence, selectors, services
from melior.evaluation.models import Amendment, Pilot
from melior.evaluation.report import build_report
from melior.governance import services as governance
from melior.governance.models import Consent, Enrollment, Section, Student, StudentOutcome
from melior.networks.services import add_site, create_organization

STARTS, ENDS = datetime.date(2025, 9, 15), datetime.date(2026, 6, 1)


@pytest.fixture
def schools(world):
    """Six schools of 40 ninth graders, each with a grade 8 score."""
    found = [world.school, world.sibling_school]
    for i in range(4):
        school = create_organization(name=f"School {i}", parent=world.district)
        add_site(network=world.network, organization=school)
        found.append(school)
    purpose = governance.add_purpose(network=world.network, name="App pilot")
    rng = np.random.default_rng(5)
    for s_index, school in enumerate(found):
        for k in range(40):
            student = governance.register_student(
                district=world.district,
                student_id=f"S{s_index}-{k}",
                english_learner_status="Yes" if k < 8 else "No",
            )
            Enrollment.objects.create(
                student=student, site=school, grade_level="09", school_year=2025
            )
            StudentOutcome.objects.create(
                student=student,
                site=school,
                purpose=purpose,
                kind="assessment",
                name="Grade 8 math",
                value=float(rng.normal(250, 20)),
                date=datetime.date(2025, 5, 20),
            )
    return found, purpose


def plan(world, schools, **changes):
    sites, purpose = schools
    fields = {
        "title": "Math app",
        "tool": "Math app",
        "question": "Does it raise scores?",
        "design": "randomized",
        "unit": "school",
        "share": 0.5,
        "school_year": 2025,
        "grades": "9",
        "starts": STARTS,
        "ends": ENDS,
        "purpose": purpose,
        "baseline": "Grade 8 math",
        "subgroups": ["english_learner_status"],
        **changes,
    }
    lead = world.users["network:network_lead"]
    pilot = services.create_pilot(network=world.network, user=lead, sites=sites, **fields)
    services.add_outcome(
        pilot=pilot,
        user=lead,
        name="Math score",
        role="primary",
        direction="up",
        meaningful_effect=3,
    )
    return pilot, lead


def test_registering_stamps_time_and_fingerprint_and_changes_become_amendments(world, schools):
    pilot, lead = plan(world, schools)
    with pytest.raises(ValidationError, match="Register the plan before assigning"):
        services.assign(pilot=pilot, user=lead, seed=1)
    pilot = services.register(pilot=pilot, user=lead)
    assert pilot.registered_at and len(pilot.registration_hash) == 64
    assert pilot.registration_hash == services.plan_hash(pilot)
    assert services.plan_hash(pilot, pilot.registered_plan) == pilot.registration_hash
    assert pilot.registered_plan["outcomes"][0]["meaningful_effect"] == 3
    with pytest.raises(ValidationError, match="say why it changes"):
        services.update_plan(pilot=pilot, user=lead, certainty=0.9)
    services.update_plan(pilot=pilot, user=lead, certainty=0.9, reason="The board asked.")
    amendment = Amendment.objects.get()
    assert (amendment.what, amendment.before, amendment.after) == ("certainty", "0.75", "0.9")
    pilot.refresh_from_db()
    assert services.plan_hash(pilot) != pilot.registration_hash  # visible as amended
    with pytest.raises(ValidationError, match="say why this outcome is added"):
        services.add_outcome(
            pilot=pilot,
            user=lead,
            name="Attendance",
            role="secondary",
            direction="up",
            meaningful_effect=0.02,
        )
    late = services.add_outcome(
        pilot=pilot,
        user=lead,
        name="Attendance",
        role="secondary",
        direction="up",
        meaningful_effect=0.02,
        reason="Teachers asked for it.",
    )
    assert not late.pre_registered
    with pytest.raises(ValidationError, match="outcomes stay"):
        services.remove_outcome(outcome=late)


def test_assignment_by_lot_is_reproducible_and_whole_schools_or_classes(world, schools):
    pilot, lead = plan(world, schools)
    services.register(pilot=pilot, user=lead)
    drawn = services.assign(pilot=pilot, user=lead, seed=11)
    arms = dict(pilot.assignments.values_list("site_id").distinct().values_list("site_id", "arm"))
    assert sorted(arms.values()) == [0, 0, 0, 1, 1, 1] and drawn.seed == 11
    assert pilot.assignments.count() == 240
    with pytest.raises(ValidationError, match="assigned already"):
        services.assign(pilot=pilot, user=lead, seed=11)
    # the same seed on the same roster gives the same lot
    again, _ = plan(world, schools, title="Math app, again")
    services.register(pilot=again, user=lead)
    services.assign(pilot=again, user=lead, seed=11)
    assert dict(again.assignments.values_list("site_id", "arm")) == arms
    # classes: assigned whole, within each school; a student in two matching classes refused
    by_class, _ = plan(world, schools, title="By class", unit="class", classes="Algebra")
    for school in schools[0]:
        for c in range(2):
            section = Section.objects.create(
                site=school,
                sourced_id=f"{school.pk}-{c}",
                title=f"Algebra I P{c}",
                school_year=2025,
            )
            students = Enrollment.objects.filter(site=school).values_list("student_id", flat=True)
            section.students.add(*list(students)[c * 20 : (c + 1) * 20])
    services.register(pilot=by_class, user=lead)
    services.assign(pilot=by_class, user=lead, seed=3)
    per_class = by_class.assignments.values("section").distinct().count()
    assert per_class == 12
    for school in schools[0]:
        assert sorted(
            by_class.assignments.filter(site=school).values_list("arm", flat=True).distinct()
        ) == [0, 1]


def test_the_report_leaves_out_withdrawn_students_and_counts_them(world, schools):
    pilot, lead = plan(world, schools)
    pilot = services.register(pilot=pilot, user=lead)
    services.assign(pilot=pilot, user=lead, seed=11)
    rng = np.random.default_rng(8)
    _, purpose = schools
    for a in pilot.assignments.select_related("student"):
        if rng.random() < 0.1:  # no outcome: attrition
            continue
        baseline = StudentOutcome.objects.get(student=a.student, name="Grade 8 math").value
        StudentOutcome.objects.create(
            student=a.student,
            site=a.site,
            purpose=purpose,
            kind="assessment",
            name="Math score",
            value=100 + 0.6 * baseline + 6 * a.arm + rng.normal(0, 2),
            date=datetime.date(2026, 5, 20),
        )
    revoked = pilot.assignments.all()[:3]
    for a in revoked:
        governance.record_consent(
            student=a.student,
            purpose=purpose,
            status=Consent.Status.REVOKED,
            given_by="guardian",
            date=datetime.date(2025, 12, 1),
            source="Letter",
        )
    report = build_report(pilot)
    assert report.excluded_for_consent == 3
    primary = report.primary
    analysed = primary.result.n_treated + primary.result.n_comparison
    assert analysed == StudentOutcome.objects.filter(name="Math score").count() - sum(
        StudentOutcome.objects.filter(name="Math score", student=a.student).count() for a in revoked
    )
    assert primary.attrition.randomized == (
        report.assigned[1],
        report.assigned[0],
    )  # withdrawn students count as lost
    # six schools, CR1 on 5 df: the estimate, not the (small-cluster) interval, is what holds
    assert abs(primary.result.impact - 6) < 1 and primary.result.clusters == 6
    assert primary.result.se_type == "CR1"
    assert primary.probabilities.increase > 0.9
    sure = max(primary.probabilities.increase, primary.probabilities.decrease)
    assert primary.headline == (
        f"Students with Math app scored about {primary.result.impact:.3g} points higher on Math "
        "score than comparable students without it; we are "
        f"{sure:.0%} sure the improvement is meaningful (at least 3 points)."
    )
    ((label, effects, _),) = report.subgroups
    assert label == "English learner" and not effects.data["withheld"].any()
    governance.update_privacy(network=world.network, min_cell_size=30, retention_days=3650)
    report = build_report(pilot)
    groups = report.subgroups[0][1].data.set_index("level")
    assert groups["withheld"]["Yes"]  # 8 English learners a school: fewer than 30 in an arm
    # the report gives each arm's students, so "No" must go too, or the arm's total minus
    # "No" gives "Yes" away; the LP auditor finds each withheld count still 0 to the arm's
    # total, and neither effect is published
    assert groups["withheld"]["No"] and groups["impact"].isna().all()
    assert groups["reason"]["Yes"] == groups["reason"]["No"]  # neither says it is the small one
    result = report.primary.result
    arms = {"n_treated": result.n_treated, "n_comparison": result.n_comparison}
    published = [([(arm, level) for level in groups.index], n) for arm, n in arms.items()]
    withheld = {(arm, level): [(arm, level)] for arm in arms for level in groups.index}
    for low, high in feasible_ranges(published, withheld).values():
        assert possible_values(low, high) >= 29
    # a subgroup added after registration is reported as exploratory
    services.update_plan(
        pilot=pilot,
        user=lead,
        subgroups=["english_learner_status", "idea_indicator"],
        reason="The special education team asked.",
    )
    pilot.refresh_from_db()
    labels = [label for label, *_ in build_report(pilot).subgroups]
    assert labels == [
        "English learner",
        "Disability (IDEA) (exploratory: not in the registered plan)",
    ]


def test_pages_for_the_right_roles_only(client, world, schools):
    pilot, _ = plan(world, schools)
    url = f"/n/{world.network.slug}/pilots/{pilot.pk}/"
    client.force_login(world.users["network:viewer"])
    assert client.get(url).status_code == 200
    assert client.get(url + "report/").status_code == 200
    assert client.post(url + "register/").status_code == 403
    assert not Pilot.objects.get().registered
    client.force_login(world.users["school:site_lead"])
    assert client.post(url + "register/").status_code == 403
    client.force_login(world.users["network:improvement_coach"])
    assert client.post(url + "register/").status_code == 302
    assert Pilot.objects.get().registered
    refused = client.post(url + "decision/", {"decision": "scale"})
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    decided = client.post(
        url + "decision/", {"decision": "iterate", "decision_rationale": "Too early."}
    )
    assert decided.status_code == 302 and Pilot.objects.get().decision == "iterate"
    report = client.get(url + "report/").content.decode()
    assert "Iterate and test again" in report and "Too early." in report
    client.force_login(world.users["outsider"])
    assert client.get(url).status_code == 404


def new_plan_form(schools, **changes) -> dict:
    """What a lead types into the new-pilot form."""
    sites, purpose = schools
    return {
        "title": "Reading app",
        "tool": "Reading app",
        "question": "Does it help?",
        "design": "randomized",
        "unit": "school",
        "share": "0.5",
        "sites": [s.pk for s in sites],
        "school_year": "2025",
        "starts": "2025-09-01",
        "ends": "2026-06-01",
        "purpose": purpose.pk,
        "attrition_boundary": "cautious",
        "certainty": "75",
        **changes,
    }


def test_a_new_plan_with_a_bad_field_names_it(client, world, schools):
    client.force_login(world.users["network:network_lead"])
    page = client.post(
        f"/n/{world.network.slug}/pilots/",
        new_plan_form(schools, starts="2026-01-10", ends="2025-12-01"),
    )
    assert (
        page.status_code == 400 and "The pilot must end after it starts." in page.content.decode()
    )
    assert not Pilot.objects.exists()


def test_the_certainty_is_asked_and_shown_as_the_percentage_its_label_names(client, world, schools):
    client.force_login(world.users["network:network_lead"])
    url = f"/n/{world.network.slug}/pilots/"
    form = client.get(url).content.decode()
    assert "Certainty to act (%)" in form and 'name="certainty" value="75"' in form
    refused = client.post(url, new_plan_form(schools, certainty="0.75"))
    assert refused.status_code == 400
    assert "Give a percentage from 50 to 99, such as 75." in refused.content.decode()
    assert not Pilot.objects.exists()
    assert client.post(url, new_plan_form(schools, certainty="80")).status_code == 302
    pilot = Pilot.objects.get()
    assert pilot.certainty == 0.8
    edit = client.get(f"{url}{pilot.pk}/").content.decode()
    assert 'name="certainty" value="80"' in edit


def test_a_matched_comparison_of_users_and_similar_non_users(world, schools):
    from melior.governance.models import UsageRecord

    pilot, lead = plan(world, schools, design="matched", title="Users against non-users")
    pilot = services.register(pilot=pilot, user=lead)
    with pytest.raises(ValidationError, match="not assigned"):
        services.assign(pilot=pilot, user=lead, seed=1)
    _, purpose = schools
    rng = np.random.default_rng(21)
    for baseline in StudentOutcome.objects.filter(name="Grade 8 math").select_related("student"):
        # stronger students choose the app more often: the raw difference is biased
        used = rng.random() < 1 / (1 + np.exp(-(baseline.value - 250) / 10))
        if used:
            UsageRecord.objects.create(
                student=baseline.student,
                site=baseline.site,
                purpose=purpose,
                product="Math app",
                date=datetime.date(2025, 10, 6),
                minutes=40,
            )
        StudentOutcome.objects.create(
            student=baseline.student,
            site=baseline.site,
            purpose=purpose,
            kind="assessment",
            name="Math score",
            value=100 + 0.6 * baseline.value + 5 * used + rng.normal(0, 4),
            date=datetime.date(2026, 5, 20),
        )
    primary = build_report(pilot).primary
    assert primary.matched is not None and primary.attrition is None
    assert primary.result.design == "Matched comparison"
    assert abs(primary.result.impact - 5) < 2  # the raw difference is far larger (selection)
    users = StudentOutcome.objects.filter(name="Math score", student__usage__isnull=False)
    others = StudentOutcome.objects.filter(name="Math score", student__usage__isnull=True)
    raw = np.mean([o.value for o in users]) - np.mean([o.value for o in others])
    assert raw > primary.result.impact + 3
    assert abs(primary.equivalence.data["effect_size"].iloc[0]) < 0.25


def record_scores(pilot, schools, lost=None):
    """A math score for every assigned student but the first `lost[arm]` of each arm."""
    _, purpose = schools
    lost = dict(lost or {})
    rng = np.random.default_rng(2)
    for a in pilot.assignments.select_related("student").order_by("pk"):
        if lost.get(a.arm):
            lost[a.arm] -= 1
            continue
        StudentOutcome.objects.create(
            student=a.student,
            site=a.site,
            purpose=purpose,
            kind="assessment",
            name="Math score",
            value=200 + 4 * a.arm + rng.normal(0, 5),
            date=datetime.date(2026, 5, 20),
        )


def test_a_subgroup_nobody_or_everybody_belongs_to_reads_as_a_message(client, world, schools):
    """Tried as a new user would: a network whose students carry no English-learner status,
    and where every student is recorded as having no disability."""
    Student.objects.update(english_learner_status="", idea_indicator="No")
    pilot, lead = plan(world, schools, subgroups=["english_learner_status", "idea_indicator"])
    pilot = services.register(pilot=pilot, user=lead)
    services.assign(pilot=pilot, user=lead, seed=3)
    record_scores(pilot, schools)
    client.force_login(world.users["network:viewer"])
    page = client.get(f"/n/{world.network.slug}/pilots/{pilot.pk}/report/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "has a recorded English learner: there is no subgroup to report" in text
    assert "Every student with a recorded Disability (IDEA) is “No”" in text
    (english, _, why), (disability, _, other) = build_report(pilot).subgroups
    assert disability == "Disability (IDEA)"
    assert english == "English learner" and "no subgroup to report" in why
    assert "no second group to compare with" in other


def test_attrition_the_optimistic_boundary_cannot_rate_still_reports_the_effect(world, schools):
    """30% overall attrition with an 8.3-point differential lies between the two public
    transcriptions of the WWC optimistic column (8.2 and 8.4): attrition is not rated, the
    effect still is."""
    pilot, lead = plan(world, schools, attrition_boundary="optimistic")
    pilot = services.register(pilot=pilot, user=lead)
    services.assign(pilot=pilot, user=lead, seed=5)
    record_scores(pilot, schools, lost={1: 41, 0: 31})  # of 120 an arm: 34.2% and 25.8%
    primary = build_report(pilot).primary
    assert primary.result is not None and not primary.error
    assert primary.attrition is None
    assert "8.2 and 8.4 points" in primary.attrition_unrated


def test_the_report_names_subgroups_by_their_labels_not_their_codes(client, world, schools):
    for k, student in enumerate(Student.objects.order_by("pk")):
        student.race_ethnicity = "BlackOrAfricanAmerican" if k % 2 else "HispanicOrLatino"
        student.save()
    pilot, lead = plan(world, schools, subgroups=["race_ethnicity"])
    pilot = services.register(pilot=pilot, user=lead)
    services.assign(pilot=pilot, user=lead, seed=3)
    record_scores(pilot, schools)
    ((_, effects, _),) = build_report(pilot).subgroups
    assert set(effects.data["level"]) == {"Black or African American", "Hispanic or Latino"}
    client.force_login(world.users["network:viewer"])
    page = client.get(f"/n/{world.network.slug}/pilots/{pilot.pk}/report/").content.decode()
    assert "<td>Black or African American</td>" in page
    assert "BlackOrAfricanAmerican" not in page and "HispanicOrLatino" not in page


def test_each_change_to_a_pilot_posts_to_its_own_url(client, world, schools):
    """Outcomes, registration, assignment and the plan each post to their own URL; a refusal
    shows on its form or at the top of the page, with nothing saved."""
    pilot, _ = plan(world, schools)
    url = f"/n/{world.network.slug}/pilots/{pilot.pk}/"
    client.force_login(world.users["network:network_lead"])
    early = client.post(url + "assign/")
    assert early.status_code == 400 and "Register the plan before assigning" in early.text
    outcome = {"name": "Attendance", "role": "secondary", "direction": "up"}
    refused = client.post(url + "outcomes/", outcome)
    assert refused.status_code == 400 and "This field is required." in refused.text
    assert client.post(url + "outcomes/", {**outcome, "meaningful_effect": "2"})["Location"] == url
    added = pilot.outcomes.get(name="Attendance")
    assert client.post(url + f"outcomes/{added.pk}/remove/").status_code == 302
    assert not pilot.outcomes.filter(name="Attendance").exists()
    assert client.post(url + "register/").status_code == 302
    primary = pilot.outcomes.get()
    kept = client.post(url + f"outcomes/{primary.pk}/remove/")
    assert kept.status_code == 400 and "outcomes stay" in kept.text
    assert client.post(url + "assign/").status_code == 302
    pilot.refresh_from_db()
    assert pilot.assigned_at is not None
    form = client.get(url).text
    assert f'action="{url}plan/"' in form and 'name="section"' not in form
    plan_form = new_plan_form(
        schools,
        title="Math app, renamed",
        tool="Math app",
        question="Does it raise scores?",
        grades="9",
        starts=STARTS.isoformat(),
        baseline="Grade 8 math",
        subgroups=["english_learner_status"],
    )
    unexplained = client.post(url + "plan/", plan_form)
    assert unexplained.status_code == 400 and "say why it changes" in unexplained.text
    assert Pilot.objects.get().title == "Math app"
    assert client.post(url + "plan/", {**plan_form, "reason": "A clearer name."}).status_code == 302
    assert Pilot.objects.get().title == "Math app, renamed"
    assert Pilot.objects.get().amendments.get(what="title").reason == "A clearer name."


def test_the_report_says_what_was_found_in_plain_words_before_the_statistics(
    client, world, schools
):
    pilot, lead = plan(world, schools)
    pilot = services.register(pilot=pilot, user=lead)
    services.assign(pilot=pilot, user=lead, seed=11)
    _, purpose = schools
    rng = np.random.default_rng(3)
    for a in pilot.assignments.select_related("student"):
        StudentOutcome.objects.create(
            student=a.student, site=a.site, purpose=purpose, kind="assessment",
            name="Math score", value=200 + 0.5 * a.arm + rng.normal(0, 10),
            date=datetime.date(2026, 5, 20),
        )  # fmt: skip
    primary = build_report(pilot).primary
    # half a point against a meaningful 3, with noise: neither way is sure enough to act on
    assert primary.headline.startswith("Students with Math app scored about")
    assert "we cannot yet be sure it matters" in primary.headline
    assert f"short of the {pilot.certainty:.0%} the team asked for" in primary.headline
    client.force_login(lead)
    page = client.get(f"/n/{world.network.slug}/pilots/{pilot.pk}/report/").content.decode()
    in_short = page.index("In short")
    assert in_short < page.index("we cannot yet be sure it matters") < page.index("Hedges")
    # the statistics are one click away, inside a closed disclosure
    details = page.index('<details class="figures">')
    assert details < page.index("Hedges") < page.index("</details>", details)
    assert details < page.index("Benjamini") < page.index("</details>", details)


def test_the_page_and_the_api_name_the_units_the_lot_assigned_never_a_head_count(
    client, world, schools
):
    pilot, lead = plan(world, schools, unit="class", classes="Algebra")
    for school in schools[0]:
        students = list(Enrollment.objects.filter(site=school).values_list("student_id", flat=True))
        big = Section.objects.create(
            site=school, sourced_id="A", title="Algebra I", school_year=2025
        )
        big.students.add(*students[:30])
        small = Section.objects.create(
            site=school, sourced_id="B", title="Algebra I honors", school_year=2025
        )
        small.students.add(*students[30:33])  # three students: below the smallest cell
    services.register(pilot=pilot, user=lead)
    services.assign(pilot=pilot, user=lead, seed=3)
    client.force_login(world.users["network:viewer"])
    page = client.get(f"/n/{world.network.slug}/pilots/{pilot.pk}/").content.decode()
    assert "What the lot assigned" in page and "Algebra I honors" in page
    assert ">30<" not in page  # a class's size beside the arm's total gives away a small one
    answer = client.get(f"/api/networks/{world.network.slug}/pilots/{pilot.pk}").json()
    units = answer["assignment"]
    assert len(units) == 12 and {u["arm"] for u in units} == {"tool", "comparison"}
    assert all(set(u) == {"arm", "school", "class_title"} for u in units)
    arms = {u["class_title"]: u["arm"] for u in units if u["school"] == world.school.name}
    assert arms == {
        title: "tool" if arm else "comparison"
        for title, arm in pilot.assignments.filter(site=world.school)
        .values_list("section__title", "arm")
        .distinct()
    }
    listed = client.get(f"/api/networks/{world.network.slug}/pilots").json()
    assert [p["title"] for p in listed["items"]] == ["Math app"]
    client.force_login(world.users["outsider"])
    assert client.get(f"/api/networks/{world.network.slug}/pilots/{pilot.pk}").status_code == 404


def test_a_plan_registered_after_the_pilot_started_is_flagged(client, world, schools):
    today, week = datetime.date.today(), datetime.timedelta(days=7)
    on_time, lead = plan(world, schools, starts=today + week, ends=today + 30 * week)
    late, _ = plan(world, schools, title="Late", starts=today - week, ends=today + 30 * week)
    on_time = services.register(pilot=on_time, user=lead)
    late = services.register(pilot=late, user=lead)
    assert late.registered_late and not on_time.registered_late
    client.force_login(world.users["network:viewer"])
    page = client.get(f"/n/{world.network.slug}/pilots/{late.pk}/").content.decode()
    assert "Registered late" in page
    assert (
        "Registered late"
        not in client.get(f"/n/{world.network.slug}/pilots/{on_time.pk}/").content.decode()
    )
    assert "registered late" in client.get(f"/n/{world.network.slug}/pilots/").content.decode()
    answer = client.get(f"/api/networks/{world.network.slug}/pilots").json()["items"]
    assert {p["title"]: p["registered_late"] for p in answer} == {"Math app": False, "Late": True}


def evidence_file(*rows) -> bytes:
    return ("respondent,date,text,school,arm,codes,kind\n" + "\n".join(rows)).encode()


def test_evidence_by_file_is_all_or_nothing_and_names_every_bad_row(world, schools):
    pilot, lead = plan(world, schools)
    pilot = services.register(pilot=pilot, user=lead)
    services.assign(pilot=pilot, user=lead, seed=11)
    evidence.add_code(pilot=pilot, name="Easy to start")
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    tool_school = pilot.assignments.filter(arm=1).first().site
    other_arm = "comparison"
    bad = evidence_file(
        "teacher,2025-10-01,Kids liked it,Lincoln High,,Easy to start,note",
        "principal,2025-10-01,Fine,,,,",  # not a respondent the file may name
        f"student,{tomorrow},Later,,,,survey",
        "student,2025-10-02,Hmm,Nowhere High,,,",
        "teacher,2025-10-02,Slow logins,,,Too slow,interview",
        f"teacher,2025-10-03,Good,{tool_school.name},{other_arm},,",
        "teacher,01/10/2025,Date the US way,,,,",
    )
    with pytest.raises(ValidationError) as refused:
        evidence.import_evidence(pilot=pilot, data=bad, source="notes.csv", user=lead)
    messages = refused.value.messages
    assert messages == [
        "Row 3, respondent: Say who it is from: teacher, student, staff, family.",
        f"Row 4, date: {tomorrow:%Y-%m-%d} is in the future.",
        "Row 5, school: “Nowhere High” is not one of the pilot's schools.",
        "Row 6, codes: no code called “Too slow” (add it on the evidence page first).",
        f"Row 7, arm: {tool_school.name} was assigned to the tool arm, not comparison.",
        "Row 8, date: “01/10/2025” is not a date (YYYY-MM-DD).",
    ]
    assert not pilot.evidence.exists()
    good = evidence_file(
        f"teacher,2025-10-01,Kids liked it,{tool_school.name},,Easy to start,note",
        "student,2025-10-02,It was fun,,tool,easy to start; ,survey",
    )
    assert evidence.import_evidence(pilot=pilot, data=good, source="notes.csv", user=lead) == 2
    first, second = pilot.evidence.order_by("pk")
    assert first.arm == "tool" and first.site == tool_school  # the school's arm, filled in
    assert [c.name for c in second.codes.all()] == ["Easy to start"] and second.kind == "survey"


def test_the_report_counts_codes_by_arm_and_hides_a_small_arm_and_its_quotes(
    client, world, schools
):
    pilot, lead = plan(world, schools)
    pilot = services.register(pilot=pilot, user=lead)
    services.assign(pilot=pilot, user=lead, seed=11)
    easy = evidence.add_code(pilot=pilot, name="Easy to start")
    slow = evidence.add_code(pilot=pilot, name="Slow logins")
    day = datetime.date(2025, 10, 1)
    for k in range(12):  # the tool arm: 12 pieces, 5 easy, 3 slow (two both)
        codes = ([easy] if k < 5 else []) + ([slow] if 3 <= k < 6 else [])
        piece = evidence.add_evidence(
            pilot=pilot, user=lead, codes=codes, respondent="teacher", arm="tool",
            collected_on=day, text=f"Tool note {k}",
        )  # fmt: skip
        if k == 0:
            evidence.code_evidence(evidence=piece, codes=codes, quoted=True)
    for k in range(4):  # the comparison arm: 4 pieces, fewer than the smallest cell (10)
        piece = evidence.add_evidence(
            pilot=pilot, user=lead, codes=[slow], respondent="student", arm="comparison",
            collected_on=day, text=f"Comparison note {k}",
        )  # fmt: skip
        evidence.code_evidence(evidence=piece, codes=[slow], quoted=True)
    summary = selectors.evidence_summary(pilot)
    assert summary.arms == [("Tool", 12), ("Comparison", None)]
    assert summary.codes == [("Easy to start", [5, None]), ("Slow logins", [3, None])]
    assert [q.text for q in summary.quotes] == ["Tool note 0"]
    client.force_login(world.users["network:viewer"])
    report = client.get(f"/n/{world.network.slug}/pilots/{pilot.pk}/report/").content.decode()
    assert "What teachers and students said" in report and "Tool note 0" in report
    assert "Comparison note" not in report and "suppressed" in report
    # the pieces themselves stay with the pilot's team
    assert client.get(f"/n/{world.network.slug}/pilots/{pilot.pk}/evidence/").status_code == 403


def test_the_team_codes_a_piece_in_place_and_a_bad_piece_names_its_field(client, world, schools):
    pilot, lead = plan(world, schools)
    easy = evidence.add_code(pilot=pilot, name="Easy to start")
    piece = evidence.add_evidence(
        pilot=pilot, user=lead, respondent="teacher", collected_on=datetime.date(2025, 10, 1),
        text="They asked for more",
    )  # fmt: skip
    client.force_login(world.users["network:improvement_coach"])
    base = f"/n/{world.network.slug}/pilots/{pilot.pk}/evidence/"
    assert "They asked for more" in client.get(base).content.decode()
    coded = client.post(
        f"{base}{piece.pk}/code/", {f"e{piece.pk}-codes": [easy.pk], f"e{piece.pk}-quoted": "on"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert coded.status_code == 200 and "Saved" in coded.content.decode()
    piece.refresh_from_db()
    assert piece.quoted and list(piece.codes.all()) == [easy]
    refused = client.post(f"{base}add/", {"respondent": "teacher", "kind": "note", "text": ""})
    assert refused.status_code == 400 and pilot.evidence.count() == 1
    assert "This field is required" in refused.content.decode()
    duplicate = client.post(f"{base}codes/", {"name": "easy  to start"})
    assert duplicate.status_code == 400 and "has a code called" in duplicate.content.decode()
    for denied in ("network:viewer", "school:site_lead", "school:data_steward", "outsider"):
        client.force_login(world.users[denied])
        assert client.post(f"{base}{piece.pk}/remove/").status_code in {403, 404}
        assert client.post(f"{base}codes/{easy.pk}/remove/").status_code in {403, 404}
    assert pilot.evidence.count() == 1 and pilot.codes.count() == 1
    client.force_login(world.users["network:network_lead"])
    assert client.post(f"{base}codes/{easy.pk}/remove/").status_code == 302
    assert client.post(f"{base}{piece.pk}/remove/").status_code == 302
    assert not pilot.evidence.exists() and not pilot.codes.exists()
