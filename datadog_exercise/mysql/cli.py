"""`datadog-exercise mysql setup|verify`. Passwords come from the environment or a prompt, never from flags."""

import os

import click

from . import MysqlError
from .config import DEFAULT_CONFD
from .connection import DEFAULT_TIMEOUT, Endpoint
from .setup import SetupRequest, run_setup
from .verify import VerifyRequest, run_verify

ADMIN_PASSWORD_VARIABLE = 'MYSQL_ADMIN_PASSWORD'
AGENT_PASSWORD_VARIABLE = 'DATADOG_MYSQL_PASSWORD'

confd_option = click.option(
    '--confd',
    type=click.Path(file_okay=False),
    default=DEFAULT_CONFD,
    show_default=True,
    help="The Agent's conf.d folder; the config is mysql.d/conf.yaml in it.",
)
port_range = click.IntRange(1, 65535)
timeout_option = click.option(
    '--timeout',
    type=click.FloatRange(0.1, 3600),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help='Seconds to wait for the server: to connect, and for each answer after that.',
)


@click.group()
def mysql():
    """The MySQL/MariaDB account of the Agent's mysql check: set it up, then verify it."""


@mysql.command()
@click.option('--host', default='127.0.0.1', show_default=True, help='The server, as the Agent will reach it.')
@click.option('--port', type=port_range, default=3306, show_default=True, help="The server's TCP port.")
@click.option(
    '--socket',
    type=click.Path(dir_okay=False),
    help='Log in as the admin through this unix socket instead (Debian: /run/mysqld/mysqld.sock, as root).',
)
@click.option('--admin-user', default='root', show_default=True, help='An account that may create users and grant.')
@confd_option
@click.option('--force', is_flag=True, help='Rewrite an existing mysql.d/conf.yaml.')
@click.option('--drop-anonymous', is_flag=True, help="Drop anonymous accounts, which shadow 'datadog'@'%'.")
@click.option('--reset-password', is_flag=True, help="Give an existing 'datadog'@'%' the password set here.")
@click.option('--dry-run', is_flag=True, help='Print the SQL it would run (passwords masked) and change nothing.')
@timeout_option
def setup(host, port, socket, admin_user, confd, force, drop_anonymous, reset_password, dry_run, timeout):
    """Create or update 'datadog'@'%' with the Agent's grants, and write mysql.d/conf.yaml.

    The admin's password comes from $MYSQL_ADMIN_PASSWORD (empty for unix-socket logins), else a prompt.
    The Agent's password comes from $DATADOG_MYSQL_PASSWORD, else from an existing conf.yaml, else it is
    generated. Running it again changes nothing.
    """
    try:
        request = SetupRequest(
            endpoint=Endpoint(host, port, socket),
            admin_user=admin_user,
            admin_password=_admin_password(admin_user),
            agent_password=os.environ.get(AGENT_PASSWORD_VARIABLE),
            confd=confd,
            force=force,
            drop_anonymous=drop_anonymous,
            reset_password=reset_password,
            dry_run=dry_run,
            timeout=timeout,
        )
        run_setup(request, echo=click.echo, warn=lambda text: click.echo(text, err=True))
    except MysqlError as error:
        raise click.ClickException(str(error)) from None


@mysql.command()
@click.option('--host', show_default="the config's, else 127.0.0.1", help='The server.')
@click.option('--port', type=port_range, show_default="the config's, else 3306", help="The server's TCP port.")
@confd_option
@timeout_option
def verify(host, port, confd, timeout):
    """Log in as the Agent's account and check what the mysql check needs; exit 1 if anything fails.

    The password is the one in mysql.d/conf.yaml, else $DATADOG_MYSQL_PASSWORD.
    """
    try:
        request = VerifyRequest(host, port, confd, os.environ.get(AGENT_PASSWORD_VARIABLE), timeout)
        status = run_verify(request, echo=click.echo)
    except MysqlError as error:
        raise click.ClickException(str(error)) from None
    raise SystemExit(status)


def _admin_password(admin_user):
    password = os.environ.get(ADMIN_PASSWORD_VARIABLE)
    if password is not None:
        return password
    try:
        return click.prompt(f'Password of {admin_user!r}', hide_input=True, default='', show_default=False)
    except click.Abort:
        raise MysqlError(
            f'no admin password: set {ADMIN_PASSWORD_VARIABLE} (empty for unix-socket logins), or type it at the prompt'
        ) from None
