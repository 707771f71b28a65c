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
@click.option(
    '--max-data-age',
    type=click.IntRange(min=1),
    help="The elec_france check's max_data_age, in seconds, where the freshness monitor warns (it alerts at "
    "three times that). Default: the shipped conf.d/elec_france.d/conf.yaml's; give yours if you changed it.",
)
def apply(only, dry_run, host, notify, timezone, max_data_age):
    """Create what is missing in Datadog, update what differs, and say so for each object.

    Objects are found again by the identity apply writes into them (a tag, or a line of their description
    or message), whatever their titles. Reads DD_API_KEY, DD_APP_KEY and DD_SITE (default datadoghq.com).
    DD_API_URL, when set, replaces https://api.<site> (a local stand-in, a proxy).
    """
    kinds = only or KINDS
    check_options(kinds, host, notify, timezone)
    with client_errors():
        from . import catalog

        now = current_time()
        objects = catalog.build(kinds, host, notify, timezone, now, max_data_age)
        if dry_run:
            click.echo(json.dumps(dry_run_document(objects), indent=2))
            return
        from . import sync

        with open_datadog() as datadog:
            sync.apply(datadog, objects, now, click.echo)


@click.command()
@only_option
def destroy(only):
    """Delete what apply made (the objects carrying its identity), and nothing else."""
    with client_errors():
        from . import sync

        with open_datadog() as datadog:
            sync.destroy(datadog, only or KINDS, click.echo)


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
    document = {kind: [] for kind in KINDS}
    for managed in objects:
        document[managed.kind].append(managed.wire)
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
