"""Where the package keeps the checks and configurations that it installs into an Agent."""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

# The modules that go into the Agent's checks.d, one file per check.
CHECKSD = PACKAGE / 'checks'


def confd():
    """The checks' conf.d: inside the installed wheel, or at the top of a source checkout."""
    packaged = PACKAGE / 'conf.d'
    return packaged if packaged.is_dir() else PACKAGE.parent / 'conf.d'


def shipped_checks():
    """Names of the checks this package ships (each has a module and a conf.d folder)."""
    return sorted(path.stem for path in CHECKSD.glob('*.py') if not path.stem.startswith('_'))
