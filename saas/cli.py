"""Command-line tasks: `flask create-operator EMAIL`, `flask seed-demo`."""
import click
from flask.cli import with_appcontext

from saas.extensions import db

DEMO_EMAIL = "demo@etalase.test"
DEMO_PASSWORD = "etalase-demo"  # development only; documented in the README


def init_app(app) -> None:
    app.cli.add_command(create_operator)
    app.cli.add_command(seed_demo)
    app.cli.add_command(run_recurring_jobs)


@click.command("create-operator")
@click.argument("email")
@click.option("--name", default="", help="Name for a new account.")
@click.option("--password", default=None, help="Password for a new account (prompted when omitted).")
@with_appcontext
def create_operator(email, name, password):
    """Make EMAIL an operator, creating the account if it doesn't exist."""
    from saas.accounts import services

    user = services.find_user(email)
    if user is None:
        if password is None:
            password = click.prompt("Password for the new operator", hide_input=True, confirmation_prompt=True)
        try:
            user = services.create_user(email, password, name or email.split("@")[0], locale="en")
        except services.WeakPassword as error:
            raise click.ClickException(str(error))
    user.is_operator = True
    db.session.commit()
    click.echo(f"{user.email} is an operator.")


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Create the demo store and its merchant once; running it again changes nothing."""
    from saas.seed import seed_demo_store

    outcome = seed_demo_store()
    click.echo({"created": "Demo store created.", "catalog added": "Demo catalog added to the demo store."}.get(
        outcome, "Demo store already present."))


@click.command("run-recurring-jobs")
@with_appcontext
def run_recurring_jobs():
    """Run each recurring job once now (what the clock process does on a schedule, for stacks without Redis)."""
    from saas.jobs import runner
    from saas.jobs.cron import RECURRING

    for name in RECURRING:
        runner.execute(name, None, [], {})
        click.echo(f"ran {name}")
