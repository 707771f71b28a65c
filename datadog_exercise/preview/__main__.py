"""`python -m datadog_exercise.preview`: the pictures `scripts/screenshots` puts in screenshots/."""

import json
import re
from pathlib import Path

import click

from ..eco2mix.slots import PARIS


@click.group(context_settings={'help_option_names': ['-h', '--help']})
def preview():
    """Draw the pictures of screenshots/ from the project's own output."""


@preview.command()
@click.option('-o', '--output', type=click.Path(dir_okay=False), required=True, help='The PNG to write.')
@click.option('--columns', type=click.IntRange(min=40), default=132, show_default=True, help='Terminal width.')
@click.option(
    '--folder-as',
    metavar='TEXT',
    help="Draw the current folder's path (the checkout ARGV runs from) as TEXT, such as ~/datadog-exercise.",
)
@click.argument('argv', nargs=-1, required=True)
def terminal(output, columns, folder_as, argv):
    """Run ARGV and draw what it prints as a terminal shows it."""
    from .terminal import CommandFailed, capture, render, with_folder_shown_as

    try:
        text = capture(list(argv), columns)
    except (CommandFailed, OSError) as error:
        raise click.ClickException(str(error)) from None
    shown_argv = list(argv)
    if folder_as is not None:
        folder = Path.cwd()
        text = with_folder_shown_as(text, folder, folder_as)
        shown_argv = [with_folder_shown_as(word, folder, folder_as) for word in argv]
    header = 'real output, captured and drawn by scripts/screenshots'
    click.echo(f'wrote {render(shown_argv, text, output, columns, header)}')


@preview.command()
@click.argument('dry_run', type=click.File('r'))
@click.option(
    '--replay',
    'replay_files',
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False, exists=True),
    help='The recorded éCO2mix answers, type=mix and type=co2, that the elec_france check is run against.',
)
@click.option(
    '--odre',
    'odre_file',
    required=True,
    type=click.Path(dir_okay=False, exists=True),
    help="ODRE's national records of the period (an eco2mix-national-tr answer), served as ODRE had them.",
)
@click.option(
    '--regional',
    'regional_file',
    required=True,
    type=click.Path(dir_okay=False, exists=True),
    help="ODRE's regional records of the period (eco2mix-regional-tr), served as ODRE had them.",
)
@click.option(
    '--prices',
    'prices_file',
    required=True,
    type=click.Path(dir_okay=False, exists=True),
    help="A day-ahead prices answer (getDonneesMarche) covering the period's days.",
)
@click.option(
    '--host', required=True, help='The host given to `apply --dry-run --host`: my_metric is reported from it.'
)
@click.option('--hours', type=click.IntRange(min=1), default=24, show_default=True, help='Hours of elec_france runs.')
@click.option('--output-dir', type=click.Path(file_okay=False), default='screenshots', show_default=True)
def dashboards(dry_run, replay_files, odre_file, regional_file, prices_file, host, hours, output_dir):
    """Draw each dashboard of DRY_RUN (`apply --dry-run` JSON, `-` for stdin) from the real checks' output."""
    from ..elec_france.replay import ReplayError, classify
    from . import checkruns, dashboard
    from .store import MetricStore

    try:
        document = json.load(dry_run)
        answers = classify(replay_files)
    except (ValueError, ReplayError) as error:
        raise click.ClickException(str(error)) from None
    if not document.get('dashboards'):
        raise click.ClickException(
            'the dry run has no dashboards: run `apply --dry-run` without --only, or with --only dashboards'
        )
    if 'co2' not in answers:
        raise click.ClickException('give the type=co2 recording too: the dashboards show the CO2 intensity')
    recordings = checkruns.Recordings(
        answers['mix'],
        answers['co2'],
        Path(odre_file).read_bytes(),
        Path(regional_file).read_bytes(),
        Path(prices_file).read_bytes(),
    )
    store = MetricStore()
    try:
        electricity = checkruns.run_elec_france(store, recordings, host, hours)
        random_number = checkruns.run_random_number(store, host, electricity.last)
    except checkruns.CheckRunError as error:
        raise click.ClickException(str(error)) from None
    provenance = [
        (
            electricity.metrics,
            f'elec_france: the real check, every option on, run {_schedule(electricity)}, against the recorded '
            f'éCO2mix answers ({", ".join(replay_files)}), each quarter-hour published '
            f"{_duration(electricity.publication_delay)} after its start, as in the recording; ODRE's records "
            f'({odre_file}, {regional_file}) an hour and a quarter after it; the day-ahead prices of {prices_file}.',
        ),
        (
            random_number.metrics,
            f'my_metric: the real random_number check, run {_schedule(random_number)}, its generator seeded, '
            f'reported from host {host}.',
        ),
    ]
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    for board in document['dashboards']:
        path = Path(output_dir) / f'dashboard_{re.sub(r"[^a-z0-9]+", "_", board["title"].lower()).strip("_")}.png'
        try:
            dashboard.render(board, store, path, provenance)
        except dashboard.PreviewError as error:
            raise click.ClickException(f"dashboard '{board['title']}': {error}") from None
        click.echo(f'wrote {path}')


def _schedule(runs):
    paris = '%Y-%m-%d %H:%M'
    return (
        f'every {runs.interval} s on a simulated clock from {runs.first.astimezone(PARIS):{paris}} '
        f'to {runs.last.astimezone(PARIS):{paris}} Paris time'
    )


def _duration(delta):
    minutes, seconds = divmod(int(delta.total_seconds()), 60)
    return f'{minutes} min {seconds} s'


if __name__ == '__main__':
    preview()
