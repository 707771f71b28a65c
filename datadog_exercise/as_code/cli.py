"""`datadog-exercise apply` and `datadog-exercise destroy`."""

import contextlib
import json
import re
from datetime import UTC, datetime

import click

from .catalog import KINDS
from .errors import AsCodeError

only_option = click.option(
    '--only',
    type=click.Choice(KINDS),
    multiple=True,
    help='Only these objects (repeatable). Default: all of them.',
)

# What can go inside a query's {host:...} scope unquoted.
HOST_NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9._-]*')


def current_time():
    return datetime.now(UTC)


@click.command()
@only_option
@click.option('--dry-run', is_flag=True, help='Print the request bodies as one JSON document; no keys, no network.')
@click.option(
    '--host',
    envvar='DD_HOSTNAME',
    help='The host my_metric comes from, as the Agent names it (`datadog-agent hostname`). For the dashboards.',
)
@click.option(
    '--notify',
    help='Who the monitors and downtimes notify: a handle such as @alice@example.com or @slack-ops.',
)
@click.option(
    '--timezone',
    default='UTC',
    show_default=True,
    help='IANA time zone of the quiet hours (19:00-09:00 and weekends), such as Europe/Paris.',
)
def apply(only, dry_run, host, notify, timezone):
    """Create or update the dashboards, monitors and downtimes in Datadog (found again by title or name).

    Reads DD_API_KEY, DD_APP_KEY and DD_SITE (default datadoghq.com). DD_API_URL, when set, replaces
    https://api.<site> (a local stand-in, a proxy).
    """
    kinds = only or KINDS
    check_options(kinds, host, notify, timezone)
    with client_errors():
        from . import catalog

        objects = catalog.build(kinds, host, notify, timezone, current_time())
        if dry_run:
            click.echo(json.dumps(dry_run_document(objects), indent=2))
            return
        from . import sync

        with open_datadog() as datadog:
            sync.apply(datadog, objects, click.echo)


@click.command()
@only_option
def destroy(only):
    """Delete what apply manages (found by title or name), and nothing else."""
    with client_errors():
        from . import catalog, sync

        with open_datadog() as datadog:
            sync.destroy(datadog, catalog.targets(only or KINDS), click.echo)


def check_options(kinds, host, notify, timezone):
    if 'dashboards' in kinds:
        if not host:
            raise click.ClickException(
                '--host is missing: give the host name the Agent reports my_metric from '
                '(`datadog-agent hostname` prints it), or set DD_HOSTNAME.'
            )
        if not HOST_NAME.fullmatch(host):
            raise click.ClickException(
                f'--host {host!r} is not a host name: give it as `datadog-agent hostname` prints it (letters, '
                'digits, dots, dashes, underscores).'
            )
    if {'monitors', 'downtimes'} & set(kinds):
        if not notify:
            raise click.ClickException(
                '--notify is missing: give the handle to notify, such as @alice@example.com or @slack-ops.'
            )
        if not notify.startswith('@') or len(notify) == 1 or any(char.isspace() for char in notify):
            raise click.ClickException(
                f'--notify {notify!r} is not a notification handle: write it as Datadog does, '
                'such as @alice@example.com or @slack-ops.'
            )
    if 'downtimes' in kinds:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise click.ClickException(
                f'--timezone {timezone!r} is not an IANA time zone: use a name such as Europe/Paris '
                'or America/New_York.'
            ) from None


def dry_run_document(objects):
    """`{kind: [request body, ...]}`: each body exactly as the client would send it to create the object."""
    from .wire import wire_body

    document = {kind: [] for kind in KINDS}
    for managed in objects:
        document[managed.kind].append(wire_body(managed.body, managed.what))
    return document


@contextlib.contextmanager
def client_errors():
    """Turns the errors of the API part into one-line click errors."""
    try:
        yield
    except ModuleNotFoundError as error:
        if error.name != 'datadog_api_client':
            raise
        raise click.ClickException(
            "datadog-api-client is not installed: pip install 'datadog-exercise[api]'."
        ) from None
    except AsCodeError as error:
        raise click.ClickException(str(error)) from None


def open_datadog():
    from .client import Datadog
    from .connection import from_environment

    return Datadog(from_environment())
