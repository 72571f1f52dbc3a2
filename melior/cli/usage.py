"""EdTech usage: `melior usage source` and `melior usage aggregate`."""

from typing import Annotated

import typer

from melior.cli.common import console, fail, network_or_fail, purpose_or_fail, setup_django

usage_app = typer.Typer(help="EdTech usage: xAPI sources and usage measures.", no_args_is_help=True)


@usage_app.command("source")
def usage_source(
    name: Annotated[str, typer.Argument(help="The source, e.g. 'Math app (Cedar)'.")],
    network: Annotated[str, typer.Option(help="The network's slug.")],
    product: Annotated[str, typer.Option(help="The product's name in reports.")],
    district: Annotated[str, typer.Option(help="Slug of the district whose ids actors carry.")],
    purpose: Annotated[str, typer.Option(help="The purpose the usage is collected for.")],
):
    """Register an xAPI source and print its key (shown only now)."""
    setup_django()
    from django.core.exceptions import ValidationError

    from melior.governance.xapi import create_source
    from melior.networks.models import Organization

    target = network_or_fail(network)
    chosen = purpose_or_fail(target, purpose)
    org = Organization.objects.filter(slug=district).first() or fail(f"No {district!r}.")
    try:
        source, key = create_source(
            network=target, name=name, product=product, district=org, purpose=chosen
        )
    except ValidationError as error:
        fail(" ".join(error.messages))
    console.print(f"xAPI source {source.name} — send statements to /xapi/statements with:")
    console.print(f"Authorization: Bearer {key}", style="bold", soft_wrap=True)


@usage_app.command("aggregate")
def usage_aggregate(
    network: Annotated[str, typer.Option(help="The network's slug.")] = "",
    product: Annotated[str, typer.Option(help="The product's name.")] = "",
    purpose: Annotated[str, typer.Option(help="The purpose the usage was collected for.")] = "",
    measure: Annotated[str, typer.Option(help="Slug of a weekly measure to write.")] = "",
    statistic: Annotated[
        str,
        typer.Option(
            help="active, minutes, sessions or completion (by default active for a "
            "proportion measure, minutes for a measured value)."
        ),
    ] = "",
    every: Annotated[
        bool,
        typer.Option("--all", help="Repeat every aggregation set up before (the worker's job)."),
    ] = False,
):
    """Turn usage into a weekly process measure at each school; the worker then repeats it
    daily (see `melior jobs`)."""
    setup_django()
    from django.core.exceptions import ValidationError

    from melior.governance.usage import remember_aggregation, usage_to_measure

    if every:
        _repeat_every_aggregation()
        return
    if not (network and product and purpose and measure):
        fail("Give --network, --product, --purpose and --measure (or --all).")
    target = network_or_fail(network)
    chosen = purpose_or_fail(target, purpose)
    goal = target.measures.filter(slug=measure).first() or fail(f"No measure {measure!r}.")
    try:
        written = usage_to_measure(
            network=target, product=product, purpose=chosen, measure=goal, statistic=statistic
        )
    except ValidationError as error:
        fail(" ".join(error.messages))
    remember_aggregation(product=product, purpose=chosen, measure=goal, statistic=statistic)
    console.print(f"{written} weekly observations of {goal.name} added or corrected.")
    console.print("The worker repeats this daily.")


def _repeat_every_aggregation() -> None:
    from django.core.exceptions import ValidationError

    from melior.governance.usage import run_remembered_aggregations

    try:
        done = run_remembered_aggregations()
    except ValidationError as error:
        fail(" ".join(error.messages))
    for each, written in done:
        console.print(f"{each}: {written} weekly observations added or corrected.")
