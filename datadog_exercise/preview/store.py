"""A metric store in memory: the points a check run would send, with their host as a `host:` tag."""

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    timestamp: float  # epoch seconds
    value: float
    tags: frozenset[str]


class MetricStore:
    def __init__(self):
        self._points = defaultdict(list)

    def add(self, metric, timestamp, value, tags=()):
        self._points[metric].append(Point(timestamp, float(value), frozenset(tags)))

    def points(self, metric):
        return list(self._points.get(metric, ()))

    def metric_names(self):
        return sorted(self._points)
