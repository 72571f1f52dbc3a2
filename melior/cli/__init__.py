"""The `melior` command: set up, load the demo network, serve, and manage users.

Each group of commands lives in its own module; this one builds the Typer app and lists the
commands in the order `melior --help` shows them."""

import typer

from melior.cli import accounts, chart, data, demo, ops, server, usage

app = typer.Typer(
    help="Melior — improvement science for education.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _sign_the_access_log(ctx: typer.Context):
    # what a command writes to the access log is signed by whoever ran it, until it ends
    from melior.governance.actors import COMMAND_LINE_ACTOR, acting_from_command_line

    token = acting_from_command_line()
    ctx.call_on_close(lambda: COMMAND_LINE_ACTOR.reset(token))


for command in (
    server.migrate,
    server.serve,
    server.worker,
    ops.jobs,
    demo.loaddemo,
    demo.demo,
    accounts.createuser,
    chart.chart,
    ops.purge,
    ops.backup,
    ops.restore,
    ops.notify,
    accounts.setup,
):
    app.command()(command)
app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(ops.manage)

app.add_typer(data.import_app, name="import")
app.add_typer(data.export_app, name="export")
app.add_typer(usage.usage_app, name="usage")
app.add_typer(accounts.token_app, name="token")
