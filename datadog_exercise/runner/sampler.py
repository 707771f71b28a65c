"""One check's metric samples turned into series and sketches, as the Agent's check sampler does.

Follows pkg/aggregator/check_sampler.go (`addSample`, `addBucket`, `commitSeries`, `commitSketches`) and the
metric types of pkg/metrics: gauge.go, count.go, counter.go (sent as `rate`), rate.go, monotonic_count.go,
histogram.go and historate.go. A context is a metric name, its host and its sorted, deduplicated tags;
its type is the type of its first sample. Every sample carries its own submission time, which `rate` and
`historate` use; the other types take the commit time, at the end of each run.

Histogram buckets become sketches (`=== Sketches ===`), kept per second of submission and flushed by the
first commit in a later second (sketchMap.flushBefore): a bucket submitted in the same second as the
run's commit is printed by the next run's commit, as in `agent check`.
"""

import math
from dataclasses import dataclass

from . import sketch

# pkg/config setup defaults: histogram_aggregates and histogram_percentiles ("0.95").
HISTOGRAM_AGGREGATES = ('max', 'median', 'avg', 'count')
HISTOGRAM_PERCENTILES = (95,)


@dataclass(frozen=True)
class Context:
    name: str
    host: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Serie:
    metric: str
    timestamp: float
    value: float
    tags: tuple[str, ...]
    host: str
    type: str  # gauge | rate | count, as the API calls them


@dataclass(frozen=True)
class SketchPoint:
    timestamp: int
    summary: sketch.Summary


@dataclass(frozen=True)
class SketchSerie:
    metric: str
    tags: tuple[str, ...]
    host: str
    points: tuple[SketchPoint, ...]


class Gauge:
    def __init__(self):
        self.value = None

    def add(self, value, _):
        self.value = value

    def flush(self, timestamp):
        value, self.value = self.value, None
        return [] if value is None else [('', timestamp, value, 'gauge')]


class Count:
    def __init__(self):
        self.value, self.sampled = 0.0, False

    def add(self, value, _):
        self.value, self.sampled = self.value + value, True

    def flush(self, timestamp):
        value, sampled = self.value, self.sampled
        self.value, self.sampled = 0.0, False
        return [('', timestamp, value, 'count')] if sampled else []


class Counter(Count):
    """`increment`/`decrement`: summed like a count, sent as a rate over the check's interval of 1."""

    def flush(self, timestamp):
        return [(suffix, ts, value, 'rate') for suffix, ts, value, _ in super().flush(timestamp)]


class Rate:
    def __init__(self):
        self.previous_value = self.previous_time = 0.0
        self.value = self.time = 0.0

    def add(self, value, timestamp):
        if self.time != 0:
            self.previous_value, self.previous_time = self.value, self.time
        self.value, self.time = value, timestamp

    def flush(self, _):
        if self.previous_time == 0 or self.time == 0 or self.time == self.previous_time:
            return []
        rate = (self.value - self.previous_value) / (self.time - self.previous_time)
        timestamp = self.time
        self.previous_value, self.previous_time = self.value, self.time
        self.value = self.time = 0.0
        # A negative rate means the underlying counter was reset: the Agent drops it.
        return [] if rate < 0 else [('', timestamp, rate, 'gauge')]


class MonotonicCount:
    def __init__(self):
        self.previous = self.current = self.value = 0.0
        self.sampled = self.has_previous = self.flush_first_value = False

    def add(self, value, _, flush_first_value=False):
        if not self.sampled:
            self.current, self.sampled = value, True
        else:
            self.previous, self.current = self.current, value
            self.has_previous = True
        self.flush_first_value = flush_first_value
        increase = self.current - self.previous
        if (self.has_previous or self.flush_first_value) and increase >= 0:
            self.value += increase
        elif self.flush_first_value:
            self.value = self.current

    def flush(self, timestamp):
        if not self.sampled or not (self.has_previous or self.flush_first_value):
            return []
        value = self.value
        self.previous, self.current, self.value = self.current, 0.0, 0.0
        self.has_previous, self.sampled, self.flush_first_value = True, False, False
        return [('', timestamp, value, 'count')]


class Histogram:
    def __init__(self):
        self.values, self.total = [], 0.0

    def add(self, value, _):
        self.values.append(value)
        self.total += value  # in submission order, as histogram.go sums

    def flush(self, timestamp):
        if not self.values:
            return []
        ordered, total = sorted(self.values), self.total
        self.values, self.total = [], 0.0
        count = len(ordered)
        aggregates = {
            'max': ordered[-1],
            'median': ordered[(count - 1) // 2],
            'avg': total / count,
            'count': float(count),
        }
        series = [
            (f'.{name}', timestamp, aggregates[name], 'rate' if name == 'count' else 'gauge')
            for name in HISTOGRAM_AGGREGATES
        ]
        # Integer arithmetic, as histogram.go: the sample at index (p * count - 1) // 100.
        series += [
            (f'.{p}percentile', timestamp, ordered[(p * count - 1) // 100], 'gauge') for p in HISTOGRAM_PERCENTILES
        ]
        return series


class Historate:
    """A histogram of the rates between consecutive samples of one run."""

    def __init__(self):
        self.histogram = Histogram()
        self.previous_value = self.previous_time = 0.0
        self.sampled = False

    def add(self, value, timestamp):
        if self.previous_time != 0:
            self.histogram.add(_go_divide(value - self.previous_value, timestamp - self.previous_time), timestamp)
            self.sampled = True
        self.previous_value, self.previous_time = value, timestamp

    def flush(self, timestamp):
        if not self.sampled:
            return []
        self.previous_value, self.previous_time, self.sampled = 0.0, 0.0, False
        return self.histogram.flush(timestamp)


METRIC_CLASSES = {
    'gauge': Gauge,
    'rate': Rate,
    'count': Count,
    'monotonic_count': MonotonicCount,
    'counter': Counter,
    'histogram': Histogram,
    'historate': Historate,
}


class CheckSampler:
    """Everything one check instance submitted, committed at the end of each run."""

    def __init__(self):
        self._metrics = {}  # Context -> metric object, in first-submission order
        self._sketches = {}  # second -> {Context: Summary}
        self._last_bucket = {}  # (Context, bounds or None) -> raw value of a monotonic bucket

    def add_sample(self, sample, context):
        if not math.isfinite(sample.value):
            return  # ContextMetrics.AddSample refuses NaN and Inf
        metric = self._metrics.get(context)
        if metric is None:
            metric = self._metrics[context] = METRIC_CLASSES[sample.mtype]()
        if isinstance(metric, MonotonicCount):
            metric.add(sample.value, sample.timestamp, sample.flush_first_value)
        else:
            metric.add(sample.value, sample.timestamp)

    def add_bucket(self, bucket, context):
        """CheckSampler.addBucket: a bucket count spread over a sketch; monotonic buckets as deltas."""
        value = bucket.value
        if value <= 0 or bucket.upper < bucket.lower:
            return
        if bucket.monotonic:
            key = (context, (bucket.lower, bucket.upper) if bucket.multiple_buckets else None)
            last = self._last_bucket.get(key)
            self._last_bucket[key] = value
            if last is None and not bucket.flush_first_value:
                return  # the first raw value would be a spike
            value -= last or 0
            if value <= 0:
                return
        if math.isinf(bucket.lower) or math.isnan(bucket.lower) or math.isnan(bucket.upper):
            return
        upper = bucket.lower if math.isinf(bucket.upper) else bucket.upper
        summary = self._sketches.setdefault(int(bucket.timestamp), {}).setdefault(context, sketch.Summary())
        sketch.insert_interpolate(summary, bucket.lower, upper, value)

    def commit(self, timestamp):
        """The series and sketches of one commit (the end of one check run)."""
        series = []
        for context, metric in self._metrics.items():
            for suffix, point_time, value, kind in metric.flush(timestamp):
                series.append(Serie(context.name + suffix, point_time, value, context.tags, context.host, kind))
        points = {}
        for second in sorted(s for s in self._sketches if s < int(timestamp)):
            for context, summary in self._sketches.pop(second).items():
                if summary.Cnt:
                    points.setdefault(context, []).append(SketchPoint(second, summary))
        sketches = [SketchSerie(c.name, c.tags, c.host, tuple(p)) for c, p in points.items()]
        return series, sketches


def _go_divide(numerator, denominator):
    # Go's float division: a zero divisor gives +Inf, -Inf or NaN rather than an exception.
    if denominator:
        return numerator / denominator
    if numerator:
        return math.copysign(math.inf, numerator)
    return math.nan
