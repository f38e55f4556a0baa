import click
from flask import Flask
from marshmallow import ValidationError

from server import demo
from server.common import tx
from server.delivery import worker
from server.exceptions import DomainError


def register(app: Flask) -> None:
    worker.register(app)

    @app.cli.command("demo-data")
    @click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
    def demo_data(if_empty):
        """Load the demo dealers, users, customers, units and jobs."""
        if if_empty and not demo.is_empty():
            click.echo("Database has data; demo data not loaded.")
            return
        counts = demo.load()
        click.echo(f"Demo data loaded: {counts}. Every demo user's password is 'demo'.")

    @app.cli.command("evidence-announce")
    def evidence_announce():
        """Send the dealers the evidence packages built before packages announced themselves."""
        from server.evidence.service import announce_unsent

        count = announce_unsent()
        tx.commit()
        click.echo(f"{count} evidence packages queued for their dealers.")

    @app.cli.command("create-admin")
    @click.option("--username", prompt="Admin user name")
    @click.option("--display-name", default="管理员 Administrator", show_default=True)
    @click.option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="PURIFIER_ADMIN_PASSWORD",
        help="Prompted for when absent (or from PURIFIER_ADMIN_PASSWORD).",
    )
    def create_admin(username, display_name, password):
        """Create an admin user (a fresh production install has no users at all)."""
        from server.auth import accounts
        from server.auth.schemas import UserSchema

        try:
            args = UserSchema().load(
                {
                    "username": username,
                    "display_name": display_name,
                    "role": "admin",
                    "password": password,
                }
            )
            user = accounts.create_user(args)
        except ValidationError as exc:
            raise click.ClickException(f"invalid: {exc.messages}") from exc
        except DomainError as exc:
            raise click.ClickException(exc.detail) from exc
        tx.commit()
        click.echo(f"Admin {user.username} created.")
