"""What each tool page is for, in two sentences, and the principle of improvement science it
serves (the six core principles the course material teaches), with the method's help page.
`{% intro "key" %}` shows one; write the words so a teacher new to the method can act on them."""

PRINCIPLES = {
    "user": "Make the work problem-specific and user-centred",
    "variation": "Variation in performance is the core problem to address",
    "system": "See the system that produces the current outcomes",
    "measure": "We cannot improve at scale what we cannot measure",
    "inquiry": "Anchor practice improvement in disciplined inquiry",
    "network": "Accelerate improvements through networked communities",
}

# key -> (two sentences with {% term %}-able words in [[double brackets]], principle, help page)
INTROS: dict[str, tuple[str, str, str]] = {
    "network": (
        "The network at a glance: where each school stands on each measure, read from its "
        "chart rather than from last week's number. Start with the schools that need attention "
        "and the [[bright spot]]s — both are [[variation]] worth understanding.",
        "variation",
        "learning#the-network-measure-view",
    ),
    "site-measure": (
        "One school's measure over time, with the [[centre line]] and the rules that tell a "
        "real change ([[special cause]]) from everyday ups and downs ([[common cause]]). Enter "
        "each period's figure here and mark what you tried, so the chart shows whether it "
        "helped.",
        "measure",
        "spc#reading-a-chart-in-plain-words",
    ),
    "measure": (
        "One measure across every school you can see: the network's pooled chart, a "
        "[[funnel plot]] that allows for school size, and each school's own chart side by side. "
        "It shows where results differ by more than chance — the place to ask what those "
        "schools do differently.",
        "variation",
        "learning#the-network-measure-view",
    ),
    "theory": (
        "The network's theory of improvement as a [[driver diagram]]: the [[aim]], the "
        "[[primary driver]]s and [[secondary driver]]s believed to move it, and the "
        "[[change idea]]s to test. Each school adapts it, and tests revise it.",
        "system",
        "theory",
    ),
    "problem": (
        "Before testing changes, see the system that produces today's results: a [[fishbone]] "
        "of causes, a [[Pareto chart]] of the vital few, the process as it runs, and what "
        "students and teachers say in empathy interviews. A sharp, user-centred problem makes "
        "a sharp [[aim]].",
        "user",
        "problems",
    ),
    "pdsa": (
        "Small, fast tests of [[change idea]]s: plan with a [[prediction]], do, study what "
        "happened against it, then adopt, adapt or abandon. Cycles on one idea form a [[ramp]] "
        "from one classroom to the whole school.",
        "inquiry",
        "pdsa#a-cycle",
    ),
    "calibration": (
        "How often each team's [[prediction]]s held once the cycle was studied. Teams whose "
        "predictions always hold may be testing too safely; those whose never hold are still "
        "learning their system.",
        "inquiry",
        "pdsa#prediction-calibration",
    ),
    "learning": (
        "What the network learns from its own [[variation]]: [[bright spot]]s, "
        "[[what works where]], the [[spread]] of ideas and the network's health. This is where "
        "one school's test becomes every school's knowledge.",
        "network",
        "learning",
    ),
    "bright-spots": (
        "Schools whose chart shows a real improvement, with the [[change idea]]s they tested in "
        "the months before it began. Ask those schools “what did you do?” — positive deviance "
        "is the network's fastest teacher.",
        "network",
        "learning#bright-spots",
    ),
    "what-works-where": (
        "The evidence on each [[change idea]] across the network, split by kinds of school. "
        "An idea that worked in schools like yours is a better bet than one that worked "
        "somewhere unlike it.",
        "variation",
        "learning#what-works-where",
    ),
    "spread": (
        "How far each [[change idea]] has travelled across the network's schools, stage by "
        "stage. Spread what has evidence behind it; keep testing what does not yet.",
        "network",
        "learning#spread",
    ),
    "health": (
        "Whether the network is working as a network: schools entering data, running cycles "
        "and taking part. A quiet school is a question for the hub, not a verdict.",
        "network",
        "learning#network-health",
    ),
    "hub": (
        "The hub's tools for leading the network: phases, announcements, groups, activities "
        "asked of schools, shared resources and syntheses of what has been learned. Use them "
        "to prepare convenings from the evidence, not from impressions.",
        "network",
        "learning#hub-tools",
    ),
    "pilots": (
        "EdTech pilots planned, registered and analysed as the What Works Clearinghouse would, "
        "with [[effect size]]s and [[fidelity]] of use. Decide on the evidence you registered "
        "in advance, not on the figure you hoped for.",
        "inquiry",
        "evaluation",
    ),
    "students": (
        "Outcomes by student subgroup, with every [[small cell]] hidden so no student can be "
        "recognised. Gaps between groups are [[variation]] to understand, not labels for "
        "students.",
        "variation",
        "privacy",
    ),
    "progress": (
        "Where each improvement project stands on the assessment scale, scored from what the "
        "team has done: a charter, a theory, tests, data that moved. It helps a coach see "
        "which team needs what help next.",
        "measure",
        "progress",
    ),
    "week": (
        "This week's figures for every measure of your school, in one place. Regular, simple "
        "data is what lets a chart tell a real change from noise.",
        "measure",
        "spc",
    ),
}
