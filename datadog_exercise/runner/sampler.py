"""Turn one run's metric samples into series, as the Agent's check sampler does at each commit.

- gauge: the last value of the run; count: the sum; both one series per context and run.
- rate: the change per second since the previous run (nothing on the first run).
- monotonic_count: the increase since the previous run (the first run only with `flush_first_value`;
  a decrease is a reset and gives nothing).
- histogram: `.max`, `.median`, `.avg`, `.count` and `.95percentile` series.
A context is a metric name, its tags and its host.
"""

import math
from dataclasses import dataclass

HISTOGRAM_SUFFIXES = ('max', 'median', 'avg', 'count', '95percentile')


@dataclass(frozen=True)
class Serie:
    metric: str
    timestamp: float
    value: float
    tags: tuple[str, ...]
    host: str
    type: str  # gauge | rate | count, as the API calls them


class CheckSampler:
    def __init__(self):
        self._previous = {}  # (context) -> (timestamp, value) of the last rate / monotonic_count sample

    def commit(self, samples, timestamp, default_host):
        """The series of one run; `samples` are MetricSample in submission order."""
        grouped = {}
        for sample in samples:
            if not math.isfinite(sample.value):
                continue  # the Agent drops NaN and Inf samples
            tags = tuple(dict.fromkeys(sample.tags))  # deduplicated, submission order kept
            context = (sample.name, tags, sample.hostname or default_host)
            grouped.setdefault((sample.mtype, context), []).append(sample)
        series = []
        for (mtype, context), group in grouped.items():
            series.extend(self._series(mtype, context, group, timestamp))
        return series

    def _series(self, mtype, context, group, timestamp):
        name, tags, host = context
        values = [sample.value for sample in group]
        if mtype == 'gauge':
            return [Serie(name, timestamp, values[-1], tags, host, 'gauge')]
        if mtype in ('count', 'counter'):
            return [Serie(name, timestamp, sum(values), tags, host, 'count')]
        if mtype == 'rate':
            previous = self._previous.get(context)
            self._previous[context] = (timestamp, values[-1])
            if previous is None or timestamp <= previous[0]:
                return []
            return [Serie(name, timestamp, (values[-1] - previous[1]) / (timestamp - previous[0]), tags, host, 'gauge')]
        if mtype == 'monotonic_count':
            previous = self._previous.get(context)
            self._previous[context] = (timestamp, values[-1])
            if previous is None:
                return [Serie(name, timestamp, values[-1], tags, host, 'count')] if group[-1].flush_first_value else []
            delta = values[-1] - previous[1]
            return [Serie(name, timestamp, delta, tags, host, 'count')] if delta >= 0 else []
        if mtype in ('histogram', 'historate'):
            return _histogram(name, values, tags, host, timestamp)
        return []


def _histogram(name, values, tags, host, timestamp):
    ordered = sorted(values)

    def percentile(fraction):
        return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]

    aggregates = {
        'max': ordered[-1],
        'median': percentile(0.5),
        'avg': sum(ordered) / len(ordered),
        'count': float(len(ordered)),
        '95percentile': percentile(0.95),
    }
    return [
        Serie(f'{name}.{suffix}', timestamp, aggregates[suffix], tags, host, 'rate' if suffix == 'count' else 'gauge')
        for suffix in HISTOGRAM_SUFFIXES
    ]
