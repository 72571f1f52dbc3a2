"""The first-run checklist: a few first steps per role that tick themselves from what the
person has done — pages they opened (recorded by the middleware) and things they made."""

from dataclasses import dataclass

from django.urls import reverse

# the routes whose opening counts as a step taken
PAGE_STEPS = {
    "site": "find-school",
    "network": "status-table",
    "learning-bright-spots": "bright-spots",
    "hub": "hub",
    "pdsa-list": "pdsa-list",
    "measure": "measure",
    "site-measure": "chart",
    "students-stewardship": "stewardship",
    "import-observations": "import",
    "help-glossary": "glossary",
    "learning-what-works-where": "what-works-where",
}

# role -> [(step, what to do, where to go: a route name taking the network, or None)]
STEPS = {
    "team_member": [
        ("find-school", "Find your school", "network"),
        ("entered", "Enter this week's figures", "my-work"),
        ("planned", "Plan a PDSA cycle", "pdsa-list"),
    ],
    "site_lead": [
        ("find-school", "Find your school", "network"),
        ("entered", "Enter this week's figures", "my-work"),
        ("planned", "Plan a PDSA cycle with your team", "pdsa-list"),
        ("bright-spots", "See the network's bright spots", "learning-bright-spots"),
    ],
    "network_lead": [
        ("status-table", "Check the status table", "network"),
        ("bright-spots", "Open the bright spots", "learning-bright-spots"),
        ("convening", "Prepare a convening: an announcement, activity or synthesis", "hub"),
    ],
    "improvement_coach": [
        ("status-table", "Check the status table", "network"),
        ("pdsa-list", "Look over the teams' PDSA cycles", "pdsa-list"),
        ("commented", "Comment on a cycle to coach a team", "pdsa-list"),
    ],
    "data_steward": [
        ("measure", "Check a measure's definition and charts", "network"),
        ("import", "Open the observation import", "import-observations"),
        ("stewardship", "Review student-data sharing and consent", "students-stewardship"),
    ],
    "viewer": [
        ("status-table", "Check the status table", "network"),
        ("chart", "Open a school's chart", "network"),
        ("glossary", "Read the glossary", None),
    ],
}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    url: str
    done: bool


def steps_for(role: str, network, done: set[str]) -> list[Step]:
    out = []
    for key, label, route in STEPS.get(role, STEPS["viewer"]):
        if route == "my-work":
            url = reverse("week-entry-start", kwargs={"network": network.slug}) if network else ""
        elif route is None or network is None:
            url = reverse("help-glossary")
        else:
            url = reverse(route, kwargs={"network": network.slug})
        out.append(Step(key, label, url, key in done))
    return out
