"""Everything `apply` manages, each object with the identity it carries (see ownership.py)."""

from dataclasses import dataclass

KINDS = ('dashboards', 'monitors', 'downtimes')
NOUNS = {'dashboards': 'dashboard', 'monitors': 'monitor', 'downtimes': 'downtime'}


@dataclass(frozen=True)
class Managed:
    kind: str  # one of KINDS
    key: str  # the identity the body carries, and by which the object is found again
    label: str  # how messages name it
    body: object  # the create request (a datadog-api-client model)
    wire: dict  # the body as the client sends it (wire.wire_body)
    period: object = None  # a QuietPeriod: created only when nothing found silences it already

    @property
    def what(self):
        return f"{NOUNS[self.kind]} '{self.label}'"


def build(kinds, host, notify, timezone, now, max_data_age=None):
    """The objects of `kinds`, with their bodies, in the order `apply` sends them.

    `max_data_age` (seconds) sets the freshness thresholds; None takes the shipped elec_france configuration's.
    """
    from . import dashboards, downtimes, monitors
    from .freshness import Freshness, max_data_age_of

    objects = []
    if {'dashboards', 'monitors'} & set(kinds):
        freshness = Freshness.from_max_data_age(max_data_age or max_data_age_of(shipped_elec_france_conf()))
    if 'dashboards' in kinds:
        objects += [managed('dashboards', body.title, body) for body in dashboards.dashboards(host, freshness)]
    if 'monitors' in kinds:
        objects += [managed('monitors', body.name, body) for body in monitors.monitors(notify, freshness)]
    if 'downtimes' in kinds:
        # The period under way first: it must be silenced before the recurring schedule is touched.
        period = downtimes.period_in_progress(now, timezone)
        if period is not None:
            body = downtimes.quiet_period(notify, timezone, period)
            objects.append(managed('downtimes', downtimes.quiet_period_label(period, timezone), body, period))
        body = downtimes.quiet_hours(notify, timezone, now)
        objects.append(managed('downtimes', downtimes.QUIET_HOURS, body))
    return objects


def managed(kind, label, body, period=None):
    """`body` as a Managed object, under the key its own marker gives: what the listing will find.

    The body is serialized here, once: a value the client would send half-parsed stops the run before any
    request (wire.py).
    """
    from .ownership import key_of
    from .wire import wire_body

    what = f"{NOUNS[kind]} '{label}'"
    wire = wire_body(body, what)
    key = key_of(kind, wire['data'] if kind == 'downtimes' else wire)
    if key is None:
        raise ValueError(f'the {what} carries no identity: build it with a key (ownership.py)')
    return Managed(kind, key, label, body, wire, period)


def repeatable(kind, key):
    """Whether several live objects may carry `key`: the one-off downtimes of quiet periods may overlap."""
    from .downtimes import IN_PROGRESS_KEY

    return (kind, key) == ('downtimes', IN_PROGRESS_KEY)


def shipped_elec_france_conf():
    from ..paths import confd

    return confd() / 'elec_france.d' / 'conf.yaml'
