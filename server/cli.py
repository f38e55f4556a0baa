import click
from flask import Flask

from server import demo


def register(app: Flask) -> None:
    @app.cli.command("demo-data")
    @click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
    def demo_data(if_empty):
        """Load the demo dealers, users, customers, units and jobs."""
        if if_empty and not demo.is_empty():
            click.echo("Database has data; demo data not loaded.")
            return
        counts = demo.load()
        click.echo(f"Demo data loaded: {counts}. Every demo user's password is 'demo'.")
