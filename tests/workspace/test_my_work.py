"""My work: what is missing, due, addressed to me and new since my last visit, per person."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from melior.measures.models import Observation
from melior.measures.services import record_observation
from melior.pdsa.selectors import can_see
from melior.pdsa.services import add_comment
from melior.workspace import services
from melior.workspace.models import Visit

from .conftest import weeks_back


def my_work(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def test_missing_measures_are_those_without_this_periods_figure(client, world, this_week):
    record_observation(
        measure=world.measure, organization=world.school, period=this_week,
        numerator=3, denominator=10,
    )  # fmt: skip
    work = my_work(client, world.users["school:team_member"]).context["work"][0]
    missing = [(site.name, measure.name, period) for site, measure, period in work.missing]
    assert missing == [("Lincoln High", "Referrals", this_week)]
    assert [s.name for s in work.entry_sites] == ["Lincoln High"]


def test_a_network_lead_has_no_school_of_their_own_to_fill_in(client, world):
    work = my_work(client, world.users["network:network_lead"]).context["work"][0]
    assert work.missing == [] and work.entry_sites == []


def test_a_viewer_sees_missing_figures_but_cannot_enter_them(client, world):
    response = my_work(client, world.users["school:viewer"])
    work = response.context["work"][0]
    assert len(work.missing) == 2 and work.entry_sites == []
    assert "Enter this week" not in response.text


def test_cycles_due_are_my_schools_and_mine_not_others(client, world, cycle_at):
    today = timezone.localdate()
    cycle_at(world.school, "Overdue check-ins", today - datetime.timedelta(days=3))
    cycle_at(world.school, "Due soon", today + datetime.timedelta(days=2))
    cycle_at(world.school, "Due next month", today + datetime.timedelta(days=30))
    cycle_at(world.sibling_school, "Parks cycle", today)
    response = my_work(client, world.users["school:team_member"])
    titles = [c.title for c in response.context["work"][0].cycles]
    assert titles == ["Overdue check-ins", "Due soon"]
    assert "overdue</strong> since" in response.text


def test_a_lead_sees_the_cycles_they_made_wherever_they_are(client, world, cycle_at):
    lead = world.users["network:network_lead"]
    cycle_at(world.sibling_school, "Lead's own", timezone.localdate(), user=lead)
    cycle_at(world.school, "Someone else's", timezone.localdate())
    work = my_work(client, lead).context["work"][0]
    assert [c.title for c in work.cycles] == ["Lead's own"]


def test_mentions_addressed_to_me_are_listed_until_read(client, world, cycle_at):
    cycle = cycle_at(world.school, "Exit tickets", None)
    lead = world.users["school:site_lead"]
    add_comment(cycle=cycle, user=lead, text="@school-team_member can you try it?", can_see=can_see)
    response = my_work(client, world.users["school:team_member"])
    assert [n.kind for n in response.context["mentions"]] == ["mention"]
    assert "mentioned you on “Exit tickets”" in response.text
    client.post(reverse("notifications"))
    assert my_work(client, world.users["school:team_member"]).context["mentions"] == []


def test_the_bell_counts_a_notification_the_moment_it_is_made(client, world, cycle_at):
    cycle = cycle_at(world.school, "Exit tickets", None)
    client.force_login(world.users["school:team_member"])
    assert 'class="unread"' not in client.get(reverse("notification-bell")).text
    add_comment(
        cycle=cycle, user=world.users["school:site_lead"],
        text="@school-team_member look", can_see=can_see,
    )  # fmt: skip
    bell = client.get(reverse("notification-bell")).text
    assert 'class="unread">1<' in bell and 'hx-trigger="every 30s"' in bell


def test_what_changed_counts_from_the_last_visit(client, world, this_week):
    teacher = world.users["school:team_member"]
    long_ago = timezone.now() - datetime.timedelta(days=3)
    services.record_visit(user=teacher, now=long_ago)
    # 20 weeks near 40%, then 8 weeks near 80%: a shift up, an improving signal
    for k in range(28):
        record_observation(
            measure=world.measure, organization=world.school,
            period=weeks_back(this_week, 28 - k), denominator=100,
            numerator=(40 if k < 20 else 80) + k % 3,
        )  # fmt: skip
    work = my_work(client, teacher).context["work"][0]
    assert [(s.name, m.name, status) for s, m, status in work.signals] == [
        ("Lincoln High", "On track", "improving")
    ]
    assert [(s.name, m.name) for s, m in work.bright_spots] == [("Lincoln High", "On track")]
    # a reload is the same visit: the changes stay listed
    assert my_work(client, teacher).context["work"][0].signals
    # a visit hours later starts from the last look, so the same changes are no longer new
    Observation.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=3))
    Visit.objects.filter(user=teacher).update(
        last_seen_at=timezone.now() - datetime.timedelta(hours=2)
    )
    assert my_work(client, teacher).context["work"][0].signals == []


def test_first_visit_says_what_will_be_shown_next_time(client, world):
    response = my_work(client, world.users["school:team_member"])
    assert response.context["since"] is None
    assert "Next time, this lists new" in response.text


@pytest.mark.parametrize(
    ("key", "first_step"),
    [
        ("school:team_member", "Find your school"),
        ("network:network_lead", "Check the status table"),
        ("network:data_steward", "Check a measure's definition and charts"),
        ("network:viewer", "Check the status table"),
        ("network:improvement_coach", "Check the status table"),
        ("school:site_lead", "Find your school"),
    ],
)
def test_each_role_gets_its_own_first_steps(client, world, key, first_step):
    steps = my_work(client, world.users[key]).context["work"][0].checklist
    assert steps[0].label == first_step and not any(s.done for s in steps)


def test_the_checklist_ticks_itself_and_can_be_hidden(client, world, this_week):
    teacher = world.users["school:team_member"]
    client.force_login(teacher)
    client.get(reverse("site", kwargs={"network": world.network.slug, "site": world.school.slug}))
    record_observation(
        measure=world.measure, organization=world.school, period=this_week,
        numerator=1, denominator=2, user=teacher,
    )  # fmt: skip
    steps = my_work(client, teacher).context["work"][0].checklist
    assert [(s.key, s.done) for s in steps] == [
        ("find-school", True),
        ("entered", True),
        ("planned", False),
    ]
    client.post(reverse("checklist-dismiss"))
    response = my_work(client, teacher)
    assert response.context["work"][0].checklist == [] and "Your first steps" not in response.text


def test_my_work_shows_the_network_sections_with_bright_spots(client, world):
    response = my_work(client, world.users["network:network_lead"])
    bright = reverse("learning-bright-spots", kwargs={"network": world.network.slug})
    where = reverse("learning-what-works-where", kwargs={"network": world.network.slug})
    assert f'href="{bright}"' in response.text and f'href="{where}"' in response.text
    assert 'aria-label="Ninth Grade Network sections"' in response.text


def test_someone_with_no_network_is_told_what_to_do(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("newcomer"))
    assert "not a member of any network" in client.get(reverse("home")).text
