"""`datadog-exercise apm`: serve the exercise's Flask app, and send it traffic."""

import sys
from urllib.parse import urlsplit

import click

from . import routes

DEFAULT_PORT = 5050


@click.group()
def apm():
    """The exercise's Flask app, traced with ddtrace (APM)."""


@apm.command()
@click.option('--host', default='127.0.0.1', show_default=True, help='Address to listen on (0.0.0.0: every one).')
@click.option('--port', type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
@click.option('--workers', type=click.IntRange(1, 64), default=2, show_default=True, help='gunicorn worker processes.')
@click.option('--threads', type=click.IntRange(1, 64), default=4, show_default=True, help='Threads per worker.')
@click.option('--access-log/--no-access-log', default=True, show_default=True, help='Log each request on stdout.')
def serve(host, port, workers, threads, access_log):
    """Serve the app with gunicorn. Run it as `ddtrace-run datadog-exercise apm serve` to send traces.

    Service, environment and version come from DD_SERVICE, DD_ENV and DD_VERSION; the Agent's address
    from DD_AGENT_HOST and DD_TRACE_AGENT_PORT, or DD_TRACE_AGENT_URL (default localhost:8126).
    """
    from .server import ServeError, ServerOptions, serve

    if 'ddtrace.bootstrap.sitecustomize' not in sys.modules:
        click.echo(
            'warning: not traced; start the app with `ddtrace-run datadog-exercise apm serve` to send traces',
            err=True,
        )
    try:
        serve(ServerOptions(host=host, port=port, workers=workers, threads=threads, access_log=access_log))
    except ServeError as error:
        raise click.ClickException(str(error)) from None


def validate_url(ctx, param, value):
    parts = urlsplit(value)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise click.BadParameter(f'{value!r} is not an http(s) URL; give one like http://127.0.0.1:{DEFAULT_PORT}')
    return value


def validate_paths(ctx, param, value):
    for path in value:
        if not path.startswith('/'):
            raise click.BadParameter(f'{path!r} does not start with /; give a path like /api/apm')
    return value


@apm.command()
@click.option(
    '--url',
    default=f'http://127.0.0.1:{DEFAULT_PORT}',
    show_default=True,
    callback=validate_url,
    help='Where the app listens.',
)
@click.option(
    '--count', type=click.IntRange(1, 10_000), default=100, show_default=True, help='Number of requests to send.'
)
@click.option(
    '--rate',
    type=click.FloatRange(0, 1000, min_open=True),
    default=10.0,
    show_default=True,
    help='Most requests per second.',
)
@click.option(
    '--path',
    'paths',
    multiple=True,
    default=routes.ALL,
    show_default=True,
    callback=validate_paths,
    help='Path to request (repeatable); the paths are requested in turn.',
)
def traffic(url, count, rate, paths):
    """Send a bounded burst of requests to the app, to generate traces."""
    from .traffic import Burst, TrafficError, send_burst

    burst = Burst(base_url=url, paths=tuple(paths), count=count, rate=rate)
    with click.progressbar(length=count, label=f'{count} requests to {url}', file=sys.stderr) as bar:
        try:
            result = send_burst(burst, on_response=lambda: bar.update(1))
        except TrafficError as error:
            raise click.ClickException(f'{error}; is the app running (datadog-exercise apm serve)?') from None
    click.echo(result.summary())
