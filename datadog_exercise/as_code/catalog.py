"""Everything `apply` manages, and how each object is found again in the organisation."""

from dataclasses import dataclass

KINDS = ('dashboards', 'monitors', 'downtimes')
NOUNS = {'dashboards': 'dashboard', 'monitors': 'monitor', 'downtimes': 'downtime'}


@dataclass(frozen=True)
class Managed:
    kind: str  # one of KINDS
    key: object  # what finds it again: the dashboard's title, the monitor's name, the downtime's identity
    label: str  # how messages name it
    body: object = None  # the create request (a datadog-api-client model); None when only looked for

    @property
    def what(self):
        return f"{NOUNS[self.kind]} '{self.label}'"


def build(kinds, host, notify, timezone, now):
    """The objects of `kinds`, with their bodies, in the order `apply` sends them."""
    from . import dashboards, downtimes, monitors

    objects = []
    if 'dashboards' in kinds:
        objects += [Managed('dashboards', body.title, body.title, body) for body in dashboards.dashboards(host)]
    if 'monitors' in kinds:
        objects += [Managed('monitors', body.name, body.name, body) for body in monitors.monitors(notify)]
    if 'downtimes' in kinds:
        body = downtimes.quiet_hours(notify, timezone, now)
        objects.append(Managed('downtimes', downtimes.IDENTITY, downtimes.QUIET_HOURS, body))
    return objects


def targets(kinds):
    """The objects of `kinds` to look for, without bodies, in the order `destroy` removes them."""
    from .dashboards import TITLES
    from .downtimes import IDENTITY, QUIET_HOURS
    from .monitors import NAMES

    objects = []
    if 'downtimes' in kinds:
        objects.append(Managed('downtimes', IDENTITY, QUIET_HOURS))
    if 'monitors' in kinds:
        objects += [Managed('monitors', name, name) for name in NAMES]
    if 'dashboards' in kinds:
        objects += [Managed('dashboards', title, title) for title in TITLES]
    return objects
