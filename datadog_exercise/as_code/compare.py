"""Which fields of a desired body an existing object does not hold: what an update has to send.

The desired body is what `apply` would create; the existing object is what the API returns, with the
fields the server fills (ids, dates, authors, widget ids, option defaults, statuses). Only what the
desired body says is compared, so the server's own fields never count as changes; lists are compared
item by item, in order (widgets, recurrences' fields), except the ones that are sets, compared as sets
(tags, notification states). A recurring schedule is compared by what it silences (downtimes.py).
"""

import json

from .downtimes import same_schedule

SETS = {
    'dashboards': frozenset(),
    'monitors': frozenset({('tags',)}),
    'downtimes': frozenset({('monitor_identifier', 'monitor_tags'), ('notify_end_states',), ('notify_end_types',)}),
}
SAME = {'downtimes': {'schedule': same_schedule}}
MISSING = object()


def fields_of(kind, body):
    """The comparable fields of a body or of a listed object: a v2 downtime keeps them in its attributes."""
    if kind != 'downtimes':
        return body
    data = body.get('data', body)
    attributes = data.get('attributes') if isinstance(data, dict) else None
    return attributes if isinstance(attributes, dict) else {}


def differences(kind, desired, existing):
    """The top-level fields of `desired` whose value `existing` does not hold, in `desired`'s order."""
    desired, existing = fields_of(kind, desired), fields_of(kind, existing)
    same = SAME.get(kind, {})
    changed = []
    for name, value in desired.items():
        have = existing.get(name, MISSING)
        equal = same[name](value, have) if name in same else holds(value, have, (name,), SETS[kind])
        if not equal:
            changed.append(name)
    return changed


def holds(want, have, path, sets):
    if path in sets:
        return isinstance(have, list) and {canonical(item) for item in want} == {canonical(item) for item in have}
    if isinstance(want, dict):
        return isinstance(have, dict) and all(
            holds(value, have.get(name, MISSING), (*path, name), sets) for name, value in want.items()
        )
    if isinstance(want, list):
        return (
            isinstance(have, list)
            and len(have) == len(want)
            and all(holds(item, other, (*path, '[]'), sets) for item, other in zip(want, have, strict=True))
        )
    if isinstance(want, bool) or isinstance(have, bool):
        return want is have
    if isinstance(want, int | float):
        return isinstance(have, int | float) and want == have  # the API answers 800.0 for 800
    return want == have


def canonical(item):
    """A hashable stand-in for a JSON value, so that lists of anything compare as sets."""
    return json.dumps(item, sort_keys=True)
