"""Make the organisation match the catalog: create what is missing, update what differs, leave the rest.

Every body is checked, everything is looked up and every decision is taken before anything changes, so a
bad body or an ambiguity (two objects carrying one identity) stops the run with nothing half done.
`plan` is the pure part: from the objects wanted, the objects found and the time, what to send for each.
"""

from collections import defaultdict
from dataclasses import dataclass

from .catalog import NOUNS, repeatable
from .client import DatadogError
from .compare import differences
from .downtimes import QUIET_HOURS_KEY, already_silenced, silenced_by
from .ownership import identity

DESTROY_ORDER = ('downtimes', 'monitors', 'dashboards')  # what refers to a monitor goes before it
WHERE = {'dashboards': 'description', 'monitors': 'tags', 'downtimes': 'message'}


@dataclass(frozen=True)
class Step:
    action: str  # 'create', 'update', 'unchanged', or 'silenced' (a quiet period already silenced)
    managed: object  # catalog.Managed
    owned: object = None  # client.Owned: what was found under the managed key
    fields: tuple = ()  # for 'update': the fields that differ


def look_up(datadog, kinds):
    """Every live object of `kinds` that carries one of our identities."""
    return [owned for kind in kinds for owned in datadog.owned(kind)]


def by_identity(found):
    """{(kind, key): [Owned, ...]}"""
    carriers = defaultdict(list)
    for owned in found:
        carriers[owned.kind, owned.key].append(owned)
    return carriers


def refuse_ambiguities(found, keys=None):
    """Stop when two objects carry one identity that must be unique (`keys`: the (kind, key)s that matter)."""
    for (kind, key), owned in by_identity(found).items():
        if len(owned) > 1 and not repeatable(kind, key) and (keys is None or (kind, key) in keys):
            raise DatadogError(
                f'found {len(owned)} {NOUNS[kind]}s carrying {identity(key)} ({", ".join(str(o.id) for o in owned)}): '
                f'a copy made in the UI keeps it. Remove it from the {WHERE[kind]} of all but one, or delete the '
                'copies, then run again.'
            )


def plan(objects, found, now):
    """One Step per object of `objects`, in their order."""
    carriers = by_identity(found)
    steps = {}
    for managed in objects:
        if managed.period is None:
            steps[managed.kind, managed.key] = decide(managed, carriers[managed.kind, managed.key])
    for managed in objects:
        if managed.period is not None:
            steps[managed.kind, managed.key] = decide_period(managed, objects, steps, carriers, now)
    return [steps[managed.kind, managed.key] for managed in objects]


def decide(managed, owned):
    if not owned:
        return Step('create', managed)
    [existing] = owned
    fields = differences(managed.kind, managed.wire, existing.body)
    return Step('update' if fields else 'unchanged', managed, existing, tuple(fields))


def decide_period(managed, objects, steps, carriers, now):
    """Create the one-off downtime of the quiet period in progress, unless what was found silences it all.

    What counts: the earlier one-offs, and the recurring downtime when this run leaves its schedule as it is
    (an update of its schedule may end its occurrence in progress: the API does not say).
    """
    [recurring] = [item for item in objects if (item.kind, item.key) == ('downtimes', QUIET_HOURS_KEY)]
    schedule = recurring.wire['data']['attributes']['schedule']
    trusted = list(carriers[managed.kind, managed.key])
    recurring_step = steps[recurring.kind, recurring.key]
    if recurring_step.owned is not None and 'schedule' not in recurring_step.fields:
        trusted.append(recurring_step.owned)
    span = managed.period.since(now)
    intervals = [interval for owned in trusted for interval in silenced_by(owned.body, schedule, *span)]
    return Step('silenced' if already_silenced(span, intervals) else 'create', managed)


def apply(datadog, objects, now, echo):
    kinds = [kind for kind in NOUNS if any(managed.kind == kind for managed in objects)]
    found = look_up(datadog, kinds)
    wanted = {(managed.kind, managed.key) for managed in objects}
    refuse_ambiguities(found, wanted)
    found = [datadog.full(owned) for owned in found if (owned.kind, owned.key) in wanted]
    for step in plan(objects, found, now):
        managed = step.managed
        if step.action == 'create':
            echo(f'created {managed.what}: {datadog.create(managed)}')
        elif step.action == 'update':
            address = datadog.update(managed, step.owned, step.fields)
            echo(f'updated {managed.what} ({", ".join(step.fields)}): {address}')
        elif step.action == 'unchanged':
            echo(f'unchanged {managed.what}: {datadog.address(managed.kind, step.owned.body)}')
        else:
            echo(f'unchanged {managed.what}: already silenced by the downtimes found')


def destroy(datadog, kinds, echo):
    """Delete every object of `kinds` that carries one of our identities, and nothing else."""
    found = look_up(datadog, [kind for kind in DESTROY_ORDER if kind in kinds])
    refuse_ambiguities(found)
    for owned in found:
        datadog.delete(owned)
        echo(f"deleted {NOUNS[owned.kind]} '{owned.label}' ({owned.id})")
    if not found:
        echo('nothing to delete: no object carrying the identity that apply writes was found.')
