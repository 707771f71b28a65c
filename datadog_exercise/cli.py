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


class ReplayPath(click.Path):
    """What `--replay` replays: the bare word `sample` is always the recording shipped with the package
    (paths.SAMPLE_FOLDER), whatever the current folder holds; anything else is a path (`./sample` a local one)."""

    def convert(self, value, param, ctx):
        if value == paths.SAMPLE:
            if os.path.lexists(paths.SAMPLE):
                click.echo(
                    f'--replay {paths.SAMPLE} is the recording shipped with datadog-exercise, not the {paths.SAMPLE} '
                    f'here: write ./{paths.SAMPLE} to replay that one.',
                    err=True,
                )
            return str(paths.SAMPLE_FOLDER)
        try:
            return super().convert(value, param, ctx)
        except ValueError as error:  # a NUL character, or text the file system's encoding cannot write
            self.fail(f'{value!r} cannot be a path: {error}', param, ctx)


def say_if_sample(folder, recorded_at):
    """On stderr, so that stdout stays what the Agent prints: the shipped recording is not live data."""
    from .eco2mix.slots import PARIS

    if Path(folder).resolve() == paths.SAMPLE_FOLDER:
        click.echo(
            "Replaying the recording shipped with datadog-exercise (RTE's published figures) as at "
            f'{recorded_at.astimezone(PARIS):%Y-%m-%d %H:%M} Paris: not live data.',
            err=True,
        )


REPLAY_SAMPLE_HELP = f'`{paths.SAMPLE}` replays the recording shipped with the package (./{paths.SAMPLE}: a local one).'


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
    type=ReplayPath(exists=True),
    help='elec_france only: a recorded eCO2mix answer (type=mix, and optionally type=co2) served to the check '
    'instead of RTE, data age judged against the document time (repeatable); or a folder made by `record`, '
    'every feed served and the check run at the recording time, as many times as it takes to ask each feed. '
    + REPLAY_SAMPLE_HELP,
)
@click.pass_context
def check(
    ctx,
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
    from .elec_france.replay import ReplayError, ReplayServer, classify, from_folder, runs_to_ask_every_feed

    folders = [path for path in replay_files if Path(path).is_dir()]
    recorded_at = None
    try:
        if folders:
            if len(replay_files) > 1:
                raise click.UsageError('--replay takes one recording folder, or answer files, not both')
            answers, recorded_at = from_folder(folders[0])
            say_if_sample(folders[0], recorded_at)
            if ctx.get_parameter_source('check_times') is click.core.ParameterSource.DEFAULT:
                options = replace(options, check_times=runs_to_ask_every_feed(answers))
        else:
            answers = classify(replay_files)
    except ReplayError as error:
        raise click.UsageError(str(error)) from None
    # A fresh persistent cache, so that the replay never mixes with live state.
    with ReplayServer(answers) as server, tempfile.TemporaryDirectory() as replay_run_path:
        overrides = server.instance_options(recorded_at)
        options = replace(options, run_path=replay_run_path, instance_overrides=overrides)
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
    type=ReplayPath(exists=True),
    help='Recorded eCO2mix answers (type=mix, and type=co2 for the CO2 line) instead of RTE, repeatable; or a '
    'folder made by `record`. ' + REPLAY_SAMPLE_HELP,
)
@click.option('--date', 'day', type=click.DateTime(['%Y-%m-%d']), help='The Paris day to draw. Default: the last 24 h.')
@click.option('-o', '--output', type=click.Path(dir_okay=False), default='elec_france.png', show_default=True)
def plot(replay_files, day, output):
    """Draw a day of France's electricity mix (stacked by fuel, consumption, CO2) to a PNG."""
    from datetime import date as date_type

    from .elec_france.feeds import ECO2MIX_CO2, ECO2MIX_MIX
    from .elec_france.recording import RecordingError, load
    from .plot import PlotError, draw, fetch_live, readings, window

    day = day.date() if day else None
    try:
        bodies = []
        for path in map(Path, replay_files):
            if path.is_dir():
                recording = load(path)
                say_if_sample(path, recording.recorded_at)
                recorded = recording.bodies()
                bodies += [recorded[feed] for feed in (ECO2MIX_MIX, ECO2MIX_CO2) if feed in recorded]
            else:
                bodies.append(path.read_bytes())
        merged = readings(bodies or fetch_live(day or date_type.today()))
        click.echo(f'wrote {draw(merged, window(merged, day), output)}')
    except (PlotError, RecordingError) as error:
        raise click.ClickException(str(error)) from None


CONF_HELP = "The elec_france configuration file (its first instance). Default: the package's conf.d/elec_france.d."


@main.command()
@click.option(
    '-o',
    '--output',
    type=click.Path(file_okay=False),
    help='The folder to create; it must not exist. Default: elec_france-<UTC time> here.',
)
@click.option('--conf', 'conf_file', type=click.Path(dir_okay=False, exists=True), help=CONF_HELP)
def record(output, conf_file):
    """Fetch once every feed elec_france asks, exactly as it asks them, and save each body as the check reads it.

    The folder holds each body and manifest.json (URL, time, status, headers, size, sha256 of each); `check
    elec_france --replay DIR`, `plot --replay DIR` and `doctor --replay DIR` read it as it is. Exit 1 when a
    feed fails: the others are saved all the same.
    """
    import time
    from datetime import UTC, datetime

    from .elec_france.recording import Recording, RecordingError, fetch_all, write

    config, http, _ = _elec_france(conf_file, 'record')
    now = time.time()
    recorded_at = datetime.fromtimestamp(now, UTC)
    folder = Path(output or f'elec_france-{recorded_at:%Y%m%dT%H%M%SZ}')
    if folder.exists() or folder.is_symlink():
        raise click.ClickException(f'{folder} already exists: a recording is never overwritten')
    fetched = fetch_all(config, http, now)
    try:
        write(folder, Recording(recorded_at, tuple(fetched)))
    except RecordingError as error:
        raise click.ClickException(str(error)) from None
    for answer in fetched:
        outcome = f'{len(answer.body)} bytes' if answer.body is not None else f'FAILED: {answer.error}'
        click.echo(f'{answer.feed}: {outcome} ({answer.seconds:.2f} s) {answer.url}')
    failed = [answer.feed for answer in fetched if answer.body is None]
    click.echo(f'wrote {folder}')
    if failed:
        raise click.ClickException(f'{len(failed)} feed(s) failed ({", ".join(failed)}); the others are saved')


@main.command()
@click.option(
    '--replay',
    'replay_folder',
    type=ReplayPath(file_okay=False, exists=True),
    help='A folder made by `record`, examined instead of asking the feeds. ' + REPLAY_SAMPLE_HELP,
)
@click.option('--json', 'as_json', is_flag=True, help='Print the report as JSON.')
@click.option('--conf', 'conf_file', type=click.Path(dir_okay=False, exists=True), help=CONF_HELP)
def doctor(replay_folder, as_json, conf_file):
    """Say what each feed answers and what elec_france makes of it: status, time, size, labels and how each is
    read, the latest usable quarter-hour and its age, éCO2mix against ODRE, the request budget.

    Exit 1 when something is wrong: a feed failing or unusable, an unknown éCO2mix label, data older than
    max_data_age, éCO2mix and ODRE differing.
    """
    import json
    import time
    from datetime import UTC, datetime

    from .elec_france.doctor import examine, render
    from .elec_france.recording import Recording, RecordingError, fetch_all, load

    config, http, conf = _elec_france(conf_file, 'doctor')
    if replay_folder:
        try:
            recording = load(replay_folder)
        except RecordingError as error:
            raise click.ClickException(str(error)) from None
        say_if_sample(replay_folder, recording.recorded_at)
        now = recording.recorded_at.timestamp()
        source = f'the recording {replay_folder}, as at its time'
    else:
        now = time.time()
        recording = Recording(datetime.fromtimestamp(now, UTC), tuple(fetch_all(config, http, now)))
        source = f'live, the requests of {conf}'
    report = examine(config, recording, now, source)
    click.echo(json.dumps(report, ensure_ascii=False, indent=1) if as_json else render(report), nl=as_json)
    raise SystemExit(1 if report['problems'] else 0)


def _elec_france(conf_file, command):
    """(config, the HTTP wrapper the check would fetch with, the file) of the first elec_france instance of
    `conf_file`, or of the shipped configuration."""
    import logging

    from datadog_checks.base import ConfigurationError

    from .elec_france.config import parse_config
    from .elec_france.fetch import budgeted_http
    from .runner import confd

    path = Path(conf_file) if conf_file else paths.confd() / 'elec_france.d' / 'conf.yaml'
    scan = confd.read_file('elec_france', path)
    configs = scan.scheduled('elec_france')
    if not configs or not configs[0].instances:
        raise click.ClickException(f'{path}: {"; ".join(scan.errors.values()) or "no elec_france instance"}')
    instance, init_config = configs[0].instances[0], configs[0].init_config or {}
    try:
        config = parse_config(instance)
    except ConfigurationError as error:
        raise click.ClickException(f'{path}: {error}') from None
    return config, budgeted_http(instance, init_config, logging.getLogger(f'datadog_exercise.{command}')), path


main.add_command(apm)
main.add_command(mysql)
main.add_command(apply)
main.add_command(destroy)
