"""Per-instance run statistics, field for field as the Agent's `stats.Stats` keeps them."""

import time
from dataclasses import dataclass, field

RING = 32  # the Agent keeps the last 32 execution times


@dataclass
class Stats:
    CheckName: str
    CheckVersion: str
    CheckConfigSource: str
    CheckID: str
    Interval: int  # nanoseconds
    CheckLoader: str = 'python'
    LongRunning: bool = False
    Cancelling: bool = False
    TotalRuns: int = 0
    TotalErrors: int = 0
    TotalWarnings: int = 0
    MetricSamples: int = 0
    Events: int = 0
    ServiceChecks: int = 0
    HistogramBuckets: int = 0
    TotalMetricSamples: int = 0
    TotalEvents: int = 0
    TotalServiceChecks: int = 0
    TotalHistogramBuckets: int = 0
    EventPlatformEvents: dict = field(default_factory=dict)
    TotalEventPlatformEvents: dict = field(default_factory=dict)
    ExecutionTimes: list = field(default_factory=lambda: [0] * RING)
    AverageExecutionTime: int = 0  # milliseconds
    LastExecutionTime: int = 0
    LastSuccessDate: int = 0
    LastError: str = ''  # the JSON that AgentCheck.run() returns
    LastDelay: int = 0
    LastWarnings: list = field(default_factory=list)
    UpdateTimestamp: int = 0
    Telemetry: bool = False

    def add(self, seconds, error, warnings, submissions, now=None):
        """Account for one run, with the Agent's rules (`Last Run` counters only move when > 0)."""
        now = int(time.time() if now is None else now)
        milliseconds = int(seconds * 1000)
        self.LastExecutionTime = milliseconds
        self.ExecutionTimes[self.TotalRuns % RING] = milliseconds
        self.TotalRuns += 1
        ring = min(self.TotalRuns, RING)
        self.AverageExecutionTime = sum(self.ExecutionTimes[:ring]) // ring
        if error:
            self.TotalErrors += 1
            self.LastError = error
        else:
            self.LastError = ''
            self.LastSuccessDate = now
        self.LastWarnings = list(warnings)
        self.TotalWarnings += len(warnings)
        self.UpdateTimestamp = now
        for last, total, count in (
            ('MetricSamples', 'TotalMetricSamples', len(submissions.metrics)),
            ('Events', 'TotalEvents', len(submissions.events)),
            ('ServiceChecks', 'TotalServiceChecks', len(submissions.service_checks)),
            ('HistogramBuckets', 'TotalHistogramBuckets', len(submissions.buckets)),
        ):
            if count > 0:
                setattr(self, last, count)
                setattr(self, total, getattr(self, total) + count)

    @property
    def status(self):
        if self.LastError:
            return 'ERROR'
        return 'WARNING' if self.LastWarnings else 'OK'
