"""Where the package keeps the checks and configurations that it installs into an Agent, and the recording it
ships."""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

# The modules that go into the Agent's checks.d, one file per check.
CHECKSD = PACKAGE / 'checks'

# A recording of every feed elec_france asks (a folder as `datadog-exercise record` saves it), built from RTE's
# published figures by tests/fixtures/build.py: what `--replay sample` replays, without network.
SAMPLE = 'sample'
SAMPLE_FOLDER = PACKAGE / 'elec_france' / 'samples' / 'rte_figures_2023-09-22_0221'


def confd():
    """The checks' conf.d: inside the installed wheel, or at the top of a source checkout."""
    packaged = PACKAGE / 'conf.d'
    return packaged if packaged.is_dir() else PACKAGE.parent / 'conf.d'


def shipped_checks():
    """Names of the checks this package ships (each has a module and a conf.d folder)."""
    return sorted(path.stem for path in CHECKSD.glob('*.py') if not path.stem.startswith('_'))
