"""The `aggregator` and `datadog_agent` modules that the Agent gives to Python checks.

Inside the Agent, rtloader provides these two built-in modules and `datadog_checks.base` imports
them (it falls back to its test stubs when they are missing). The runner provides its own, before
`datadog_checks.base` is imported, so that checks run exactly as in the Agent: submissions are
recorded for printing, logs go where the runner says, and the persistent cache is kept on disk.
"""

import logging
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

# The Agent's metric types, in the order of its enum.
METRIC_TYPES = ('gauge', 'rate', 'count', 'monotonic_count', 'counter', 'histogram', 'historate')


@dataclass
class MetricSample:
    mtype: str
    name: str
    value: float
    tags: tuple[str, ...]
    hostname: str
    flush_first_value: bool


@dataclass
class ServiceCheckSample:
    name: str
    status: int
    tags: tuple[str, ...]
    hostname: str
    message: str


@dataclass
class Submissions:
    """What one check object submitted since the last `take()`."""

    metrics: list[MetricSample] = field(default_factory=list)
    service_checks: list[ServiceCheckSample] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    histogram_buckets: int = 0


class Aggregator:
    """Records every submission, per check ID, as the Agent's sender receives them."""

    GAUGE, RATE, COUNT, MONOTONIC_COUNT, COUNTER, HISTOGRAM, HISTORATE = range(7)

    def __init__(self):
        self._by_check = {}

    def _of(self, check_id):
        return self._by_check.setdefault(check_id, Submissions())

    def take(self, check_id):
        """Everything `check_id` submitted since the previous call."""
        return self._by_check.pop(check_id, Submissions())

    def submit_metric(self, check, check_id, mtype, name, value, tags, hostname, flush_first_value=False):
        self._of(check_id).metrics.append(
            MetricSample(METRIC_TYPES[mtype], name, float(value), tuple(tags or ()), hostname or '', flush_first_value)
        )

    def submit_service_check(self, check, check_id, name, status, tags, hostname, message):
        self._of(check_id).service_checks.append(
            ServiceCheckSample(name, int(status), tuple(tags or ()), hostname or '', message or '')
        )

    def submit_event(self, check, check_id, event):
        self._of(check_id).events.append(dict(event))

    def submit_histogram_bucket(self, check, check_id, *args, **kwargs):
        self._of(check_id).histogram_buckets += 1

    def submit_event_platform_event(self, check, check_id, raw_event, event_type):
        pass  # database-monitoring payloads: not printed by the runner


class DatadogAgent:
    """The Agent's side of a check: hostname, configuration, metadata, logs, persistent cache."""

    def __init__(self, hostname, run_path, config=None, logger=None):
        self.hostname = hostname
        self.run_path = Path(run_path)
        self.config = {'enable_metadata_collection': True, 'run_path': str(run_path), **(config or {})}
        self.metadata = {}
        self.logger = logger or logging.getLogger('datadog_exercise.runner.check')

    def get_version(self):
        return '7.0.0'

    def get_hostname(self):
        return self.hostname

    def get_clustername(self):
        return ''

    def get_host_tags(self):
        return '{}'

    def get_config(self, key):
        return self.config.get(key, '')

    def get_process_start_time(self):
        return 0

    def log(self, message, level):
        self.logger.log(level, '%s', message)

    def set_check_metadata(self, check_id, name, value):
        self.metadata.setdefault(check_id, {})[name] = value

    def set_external_tags(self, external_tags):
        pass

    def send_log(self, log_line, check_id):
        pass

    def tracemalloc_enabled(self):
        return False

    def emit_agent_telemetry(self, *args):
        pass

    def report_issue(self, *args):
        pass

    def resolve_issue(self, *args):
        pass

    def obfuscate_sql(self, query, options=None):
        return ' '.join((query or '').split())

    def _cache_file(self, key):
        # As the Agent does: one file per key under run_path, the check's name as the folder.
        folder, _, name = key.partition(':')
        safe = ''.join(c if c.isalnum() or c in '._-' else '_' for c in name or folder)
        return self.run_path / folder / safe

    def read_persistent_cache(self, key):
        try:
            return self._cache_file(key).read_text(encoding='utf-8')
        except FileNotFoundError:
            return ''

    def write_persistent_cache(self, key, value):
        path = self._cache_file(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + '.tmp')
        temporary.write_text(value, encoding='utf-8')
        temporary.replace(path)


def install(aggregator, datadog_agent):
    """Make `aggregator` and `datadog_agent` the modules that `datadog_checks.base` imports."""
    if 'datadog_checks.base.agent' in sys.modules:
        raise RuntimeError('the runner must install the Agent modules before datadog_checks.base is imported')
    for name, implementation in (('aggregator', aggregator), ('datadog_agent', datadog_agent)):
        module = types.ModuleType(name)
        for attribute in dir(implementation):
            if not attribute.startswith('_'):
                setattr(module, attribute, getattr(implementation, attribute))
        sys.modules[name] = module
