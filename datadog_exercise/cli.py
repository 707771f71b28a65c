"""The `datadog-exercise` command line."""

import os
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import click

from . import __version__, paths
from .apm.cli import apm
from .as_code.cli import apply, destroy
from .mysql.cli import mysql


def default_run_path():
    # The Agent keeps its persistent cache in /opt/datadog-agent/run; the local runner keeps its own.
    cache = os.environ.get('XDG_CACHE_HOME') or Path.home() / '.cache'
    return os.environ.get('DD_RUN_PATH') or str(Path(cache) / 'datadog-exercise' / 'run')


@click.group(context_settings={'help_option_names': ['-h', '--help']})
@click.version_option(__version__, prog_name='datadog-exercise')
def main():
    """Datadog Agent checks (elec_france, random_number) and the Datadog hands-on exercise, as code."""


@main.command()
@click.argument('name')
@click.option(
    '--checksd',
    type=click.Path(file_okay=False, exists=True),
    default=str(paths.CHECKSD),
    show_default="the package's checks",
    help='Folder the check module is loaded from.',
)
@click.option(
    '--confd',
    type=click.Path(file_okay=False, exists=True),
    default=None,
    show_default="the package's conf.d",
    help='Folder holding <name>.d/*.yaml or <name>.yaml.',
)
@click.option('--conf', 'conf_file', type=click.Path(dir_okay=False, exists=True), help='One configuration file.')
@click.option('-r', '--check-rate', is_flag=True, help='Run the check twice with a 1 s pause, to see rates.')
@click.option(
    '-t',
    '--check-times',
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help='Number of times to run the check.',
)
@click.option(
    '--pause', type=click.IntRange(min=0), default=0, show_default=True, help='Pause between runs, in milliseconds.'
)
@click.option('--json', 'as_json', is_flag=True, help='Print the aggregator and runner data as JSON.')
@click.option('--table', is_flag=True, help='Print series and service checks as tables.')
@click.option(
    '-l',
    '--log-level',
    type=click.Choice(['trace', 'debug', 'info', 'warn', 'error', 'critical'], case_sensitive=False),
    help="Print the check's logs at this level and above on stderr.",
)
@click.option(
    '--run-path',
    default=default_run_path,
    show_default='$DD_RUN_PATH or ~/.cache/datadog-exercise/run',
    help='Where the persistent cache is kept between runs.',
)
@click.option('--hostname', envvar='DD_HOSTNAME', help='Host name reported with the series.')
@click.option(
    '--discovery-min-instances',
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help='Number of configurations (files) of the check to run, in conf.d order, as the Agent counts them.',
)
@click.option(
    '--replay',
    'replay_files',
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help='elec_france only: a recorded eCO2mix answer (type=mix, and optionally type=co2) served to the check '
    'instead of RTE; data age is judged against the document time. Repeatable.',
)
def check(
    name,
    checksd,
    confd,
    conf_file,
    check_rate,
    check_times,
    pause,
    as_json,
    table,
    log_level,
    run_path,
    hostname,
    discovery_min_instances,
    replay_files,
):
    """Run check NAME once and print what `datadog-agent check NAME` would print."""
    from .runner.command import Options, run_check_command

    options = Options(
        name=name,
        checksd=checksd,
        confd=confd or str(paths.confd()),
        conf_file=conf_file,
        check_rate=check_rate,
        check_times=check_times,
        pause_ms=pause,
        as_json=as_json,
        table=table,
        log_level=log_level,
        run_path=run_path,
        hostname=hostname,
        discovery_min_instances=discovery_min_instances,
    )
    if not replay_files:
        raise SystemExit(run_check_command(options))
    if name != 'elec_france':
        raise click.UsageError('--replay replays eCO2mix answers: it is for the elec_france check only')
    from .elec_france.replay import ReplayError, ReplayServer, classify

    try:
        answers = classify(replay_files)
    except ReplayError as error:
        raise click.UsageError(str(error)) from None
    # A fresh persistent cache, so that the replay never mixes with live state.
    with ReplayServer(answers) as server, tempfile.TemporaryDirectory() as replay_run_path:
        options = replace(options, run_path=replay_run_path, instance_overrides=server.instance_options())
        status = run_check_command(options)
    raise SystemExit(status)


@main.command()
@click.option(
    '--agent-dir',
    type=click.Path(file_okay=False),
    default='/etc/datadog-agent',
    show_default=True,
    help='The Agent configuration folder holding checks.d and conf.d.',
)
@click.option(
    '--check',
    'checks',
    multiple=True,
    type=click.Choice(paths.shipped_checks()),
    help='Only this check (repeatable). Default: every check.',
)
@click.option('--dry-run', is_flag=True, help='Print each step and change nothing.')
@click.option('--uninstall', is_flag=True, help='Remove what install put there (edited files are kept).')
@click.option(
    '--embedded-pip',
    type=click.Path(dir_okay=False),
    default=None,
    help="The Agent's pip. Default: found under /opt/datadog-agent/embedded/bin.",
)
@click.option('--owner', default='dd-agent', show_default=True, help='Owner of the installed files, when it exists.')
def install(agent_dir, checks, dry_run, uninstall, embedded_pip, owner):
    """Install the checks into an Agent's checks.d and conf.d."""
    from .agent_files import UnsafePath
    from .install import InstallError, install_steps, uninstall_steps

    checks = checks or paths.shipped_checks()
    try:
        if uninstall:
            steps = uninstall_steps(agent_dir, checks)
        else:
            steps = install_steps(agent_dir, checks, owner=owner, embedded_pip=embedded_pip)
        for step in steps:
            step.run(dry_run, click.echo)
    except (InstallError, UnsafePath, subprocess.CalledProcessError, OSError) as error:
        raise click.ClickException(str(error)) from None
    if not dry_run and not uninstall:
        click.echo(
            'Restart the Agent (sudo systemctl restart datadog-agent), then check each one with '
            'sudo -u dd-agent datadog-agent check <name>.'
        )


@main.command('verify-agent')
@click.option(
    '--check',
    'checks',
    multiple=True,
    help='A check to run (repeatable). Default: random_number, elec_france and mysql.',
)
@click.option(
    '--traces-from',
    default='python',
    show_default=True,
    help="The language of the tracer whose traces must have reached the trace-agent; '' not to check traces.",
)
@click.option(
    '--wait',
    type=click.FloatRange(0, 3600),
    default=150,
    show_default=True,
    help='Seconds to wait for the traces: the trace-agent publishes its counts about once a minute.',
)
@click.option('--agent', default='datadog-agent', show_default=True, help="The Agent's command.")
@click.option('--agent-user', default='dd-agent', show_default=True, help='Who runs the checks, when this is root.')
def verify_agent(checks, traces_from, wait, agent, agent_user):
    """Run each check once under the real Agent, as its user, and check that the app's traces arrived.

    Exit 1, naming what failed, unless each check loads and runs without error and the traces arrived.
    """
    from .verify_agent import EXERCISE_CHECKS, VerifyAgentRequest, run_verify_agent

    request = VerifyAgentRequest(agent, tuple(checks) or EXERCISE_CHECKS, traces_from or None, wait, agent_user)
    raise SystemExit(run_verify_agent(request, click.echo))


@main.command()
@click.option(
    '--replay',
    'replay_files',
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help='Recorded eCO2mix answers (type=mix, and type=co2 for the CO2 line) instead of RTE. Repeatable.',
)
@click.option('--date', 'day', type=click.DateTime(['%Y-%m-%d']), help='The Paris day to draw. Default: the last 24 h.')
@click.option('-o', '--output', type=click.Path(dir_okay=False), default='elec_france.png', show_default=True)
def plot(replay_files, day, output):
    """Draw a day of France's electricity mix (stacked by fuel, consumption, CO2) to a PNG."""
    from datetime import date as date_type

    from .plot import PlotError, draw, fetch_live, readings, window

    day = day.date() if day else None
    try:
        bodies = [Path(path).read_bytes() for path in replay_files] or fetch_live(day or date_type.today())
        merged = readings(bodies)
        click.echo(f'wrote {draw(merged, window(merged, day), output)}')
    except PlotError as error:
        raise click.ClickException(str(error)) from None


main.add_command(apm)
main.add_command(mysql)
main.add_command(apply)
main.add_command(destroy)
