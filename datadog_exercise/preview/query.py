"""Evaluate Datadog metric queries against a MetricStore: the subset the dashboards use.

    <avg|sum|min|max>:<metric>{<scope>}[ by {<tag>,...}][.rollup(<avg|sum|min|max|count>, <seconds>)]

The scope is `*` or `tag:value` filters joined by commas (all must match). As in Datadog, each source
series (one tag set, host included) is first rolled up in time, into buckets aligned on multiples of
the interval; then the series of each group are aggregated in space, at each timestamp. A graph's
display interval, when given, is the rollup of a query without one (averaging, Datadog's default) and
the least interval of a query with one. Anything outside this subset raises QueryError rather than
being drawn wrong.
"""

import re
import statistics
from dataclasses import dataclass

AGGREGATORS = {'avg': statistics.fmean, 'sum': sum, 'min': min, 'max': max, 'count': len}
SPACE = ('avg', 'sum', 'min', 'max')

_QUERY = re.compile(
    r'(?P<space>\w+):(?P<metric>[A-Za-z][\w.]*)\{(?P<scope>[^{}]*)\}'
    r'(?:\s+by\s+\{(?P<by>[^{}]*)\})?'
    r'(?:\.rollup\((?P<method>\w+),\s*(?P<interval>\d+)\))?'
)
_TAG = re.compile(r'[\w./-]+:[\w./-]+')
_TAG_KEY = re.compile(r'[\w./-]+')


class QueryError(Exception):
    pass


@dataclass(frozen=True)
class MetricQuery:
    space: str
    metric: str
    scope: tuple[str, ...]  # tag:value filters; empty for `*`
    group_by: tuple[str, ...]
    rollup: tuple[str, int] | None  # (method, seconds)


@dataclass(frozen=True)
class Series:
    group: tuple[str, ...]  # `tag:value` for each `by` tag; empty when not grouped
    points: tuple[tuple[float, float], ...]  # (epoch seconds, value), in time order


def parse(text):
    match = _QUERY.fullmatch(text.strip())
    if match is None:
        raise QueryError(f'{text!r} is not a query of the form <agg>:<metric>{{<scope>}}[ by {{<tag>}}][.rollup(...)]')
    if match['space'] not in SPACE:
        raise QueryError(f'{text!r}: space aggregation {match["space"]!r} is not one of {", ".join(SPACE)}')
    scope = tuple(item.strip() for item in match['scope'].split(','))
    if scope == ('*',):
        scope = ()
    elif not all(_TAG.fullmatch(item) for item in scope):
        raise QueryError(f'{text!r}: the scope must be * or tag:value filters separated by commas')
    group_by = tuple(item.strip() for item in match['by'].split(',')) if match['by'] is not None else ()
    if not all(_TAG_KEY.fullmatch(item) for item in group_by):
        raise QueryError(f'{text!r}: `by` takes tag names separated by commas')
    rollup = None
    if match['method'] is not None:
        if match['method'] not in AGGREGATORS:
            raise QueryError(f'{text!r}: rollup method {match["method"]!r} is not one of {", ".join(AGGREGATORS)}')
        if int(match['interval']) <= 0:
            raise QueryError(f'{text!r}: the rollup interval must be a positive number of seconds')
        rollup = (match['method'], int(match['interval']))
    return MetricQuery(match['space'], match['metric'], scope, group_by, rollup)


def evaluate(query, store, display_interval=None):
    """The query's series, one per group, in group order. A query that matches nothing gives []."""
    if isinstance(query, str):
        query = parse(query)
    rollup = query.rollup
    if display_interval is not None:
        method, interval = rollup or ('avg', display_interval)
        rollup = (method, max(interval, display_interval))
    sources = {}
    for point in store.points(query.metric):
        if all(tag in point.tags for tag in query.scope):
            sources.setdefault(point.tags, []).append((point.timestamp, point.value))
    groups = {}
    for tags, points in sources.items():
        group = tuple(_group_tag(tags, key) for key in query.group_by)
        rolled = _rollup(points, rollup) if rollup else sorted(points)
        for timestamp, value in rolled:
            groups.setdefault(group, {}).setdefault(timestamp, []).append(value)
    space = AGGREGATORS[query.space]
    return [
        Series(group, tuple((timestamp, space(values)) for timestamp, values in sorted(by_time.items())))
        for group, by_time in sorted(groups.items())
    ]


def reduce(series, aggregator):
    """One number for a series, as a scalar widget's `aggregator` (last, avg, sum, min, max) makes it."""
    values = [value for _, value in series.points]
    if aggregator == 'last':
        return values[-1]
    if aggregator not in SPACE:
        raise QueryError(f'aggregator {aggregator!r} is not one of last, {", ".join(SPACE)}')
    return AGGREGATORS[aggregator](values)


def formula_series(expression, results):
    """A formula's series. Only a bare query name is evaluated locally; functions raise QueryError."""
    if expression not in results:
        raise QueryError(f'formula {expression!r}: the local preview evaluates query names only')
    return results[expression]


def _group_tag(tags, key):
    values = sorted(tag.partition(':')[2] for tag in tags if tag.partition(':')[0] == key)
    return f'{key}:{",".join(values) or "N/A"}'


def _rollup(points, rollup):
    method, interval = rollup
    buckets = {}
    for timestamp, value in points:
        buckets.setdefault(timestamp - timestamp % interval, []).append(value)
    return sorted((start, AGGREGATORS[method](values)) for start, values in buckets.items())
