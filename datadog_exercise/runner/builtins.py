"""The `aggregator` and `datadog_agent` modules that the Agent gives to Python checks.

Inside the Agent, rtloader provides these two built-in modules (rtloader/common/builtins/aggregator.c,
datadog_agent.c) and `datadog_checks.base` imports them. The runner provides its own, before
`datadog_checks.base` is imported, so that checks run exactly as in the Agent. Each submission goes through
what the Agent's check sender does to it (pkg/aggregator/sender.go): the instance's `service:` tag is added,
the default hostname filled in unless `empty_default_hostname`, the time of submission recorded, and the
tags sorted and deduplicated (BufferedAggregator.handleSenderSample, addServiceCheck, addEvent).
"""

import logging
import math
import struct
import sys
import time
import types
from dataclasses import dataclass, field

from . import persistentcache

# The Agent's metric types, in the order of rtloader's metric_type_t.
METRIC_TYPES = ('gauge', 'rate', 'count', 'monotonic_count', 'counter', 'histogram', 'historate')
_FLOAT32_MAX = struct.unpack('<f', b'\xff\xff\x7f\x7f')[0]


@dataclass(frozen=True)
class MetricSample:
    mtype: str
    name: str
    value: float
    tags: tuple[str, ...]
    host: str
    timestamp: float
    flush_first_value: bool = False


@dataclass(frozen=True)
class HistogramBucket:
    name: str
    value: int
    lower: float
    upper: float
    monotonic: bool
    host: str
    tags: tuple[str, ...]
    timestamp: float
    flush_first_value: bool = False
    multiple_buckets: bool = False


@dataclass(frozen=True)
class ServiceCheckSample:
    name: str
    status: int
    tags: tuple[str, ...]
    hostname: str
    message: str
    timestamp: int


@dataclass(frozen=True)
class EventSample:
    """pkg/metrics/event Event, with the fields rtloader reads from the check's dict."""

    msg_title: str
    msg_text: str
    priority: str
    host: str
    alert_type: str
    aggregation_key: str
    source_type_name: str
    event_type: str
    tags: tuple[str, ...]
    timestamp: int


@dataclass
class Submissions:
    """What one check object submitted since the last `take()`."""

    metrics: list[MetricSample] = field(default_factory=list)
    buckets: list[HistogramBucket] = field(default_factory=list)
    service_checks: list[ServiceCheckSample] = field(default_factory=list)
    events: list[EventSample] = field(default_factory=list)


@dataclass(frozen=True)
class Sender:
    """What Configure sets on a check's sender (SetCheckService, DisableDefaultHostname)."""

    hostname: str
    service: str = ''
    empty_default_hostname: bool = False

    def tags(self, tags):
        tags = tuple(_c_strings(tags))
        if self.service:
            tags += (f'service:{self.service}',)
        return tuple(sorted(set(tags)))

    def host(self, hostname):
        return hostname or ('' if self.empty_default_hostname else self.hostname)


class Aggregator:
    """Records every submission, per check ID, as the Agent's sender receives it."""

    GAUGE, RATE, COUNT, MONOTONIC_COUNT, COUNTER, HISTOGRAM, HISTORATE = range(7)

    def __init__(self, hostname, clock=time.time):
        self._hostname = hostname
        self._clock = clock
        self._senders = {}
        self._by_check = {}

    def configure_sender(self, check_id, service='', empty_default_hostname=False):
        self._senders[check_id] = Sender(self._hostname, service, empty_default_hostname)

    def _sender(self, check_id):
        return self._senders.get(check_id) or Sender(self._hostname)

    def _of(self, check_id):
        return self._by_check.setdefault(check_id, Submissions())

    def take(self, check_id):
        """Everything `check_id` submitted since the previous call."""
        return self._by_check.pop(check_id, Submissions())

    def submit_metric(self, check, check_id, mtype, name, value, tags, hostname, flush_first_value=False):
        sender = self._sender(check_id)
        self._of(check_id).metrics.append(
            MetricSample(
                METRIC_TYPES[mtype],
                name,
                float(value),
                sender.tags(tags),
                sender.host(hostname),
                self._clock(),
                bool(flush_first_value),
            )
        )

    def submit_service_check(self, check, check_id, name, status, tags, hostname, message):
        sender = self._sender(check_id)
        self._of(check_id).service_checks.append(
            ServiceCheckSample(
                name, int(status), sender.tags(tags), sender.host(hostname), message or '', int(self._clock())
            )
        )

    def submit_event(self, check, check_id, event):
        if not isinstance(event, dict):
            raise TypeError('event must be a dict')
        sender = self._sender(check_id)
        text = {key: event.get(key) if isinstance(event.get(key), str) else '' for key in _EVENT_STRINGS}
        self._of(check_id).events.append(
            EventSample(
                **text,
                tags=sender.tags(event.get('tags', ())),
                host=sender.host(event.get('host') if isinstance(event.get('host'), str) else ''),
                # rtloader reads the timestamp with PyLong_AsLong (0 when it is not an int); the aggregator
                # then gives 0 the current time (BufferedAggregator.addEvent).
                timestamp=_event_timestamp(event.get('timestamp')) or int(self._clock()),
            )
        )

    def submit_histogram_bucket(
        self, check, check_id, name, value, lower, upper, monotonic, hostname, tags, flush_first_value=False
    ):
        self._add_bucket(check_id, name, value, lower, upper, monotonic, hostname, tags, flush_first_value, False)

    def submit_histogram_bucket_multi(
        self, check, check_id, name, value, lower, upper, monotonic, hostname, tags, flush_first_value=False
    ):
        self._add_bucket(check_id, name, value, lower, upper, monotonic, hostname, tags, flush_first_value, True)

    def _add_bucket(self, check_id, name, value, lower, upper, monotonic, hostname, tags, flush_first, multiple):
        if not -(1 << 63) <= int(value) < (1 << 63):
            raise OverflowError('Python int too large to convert to C long')  # PyArg_ParseTuple's "L"
        sender = self._sender(check_id)
        self._of(check_id).buckets.append(
            HistogramBucket(
                name,
                int(value),
                _float32(lower),  # rtloader parses the bounds as C floats
                _float32(upper),
                bool(monotonic),
                sender.host(hostname),
                sender.tags(tags),
                self._clock(),
                bool(flush_first),
                multiple,
            )
        )

    def submit_event_platform_event(self, check, check_id, raw_event, event_type):
        pass  # database-monitoring payloads: not printed by the runner


_EVENT_STRINGS = (
    'msg_title',
    'msg_text',
    'priority',
    'alert_type',
    'aggregation_key',
    'source_type_name',
    'event_type',
)


def _c_strings(tags):
    # py_tag_to_c: a sequence, whose items that are not strings are skipped.
    if isinstance(tags, str | bytes) or not hasattr(tags, '__len__'):
        raise TypeError('tags must be a sequence')
    return (tag for tag in tags if isinstance(tag, str))


def _event_timestamp(value):
    if isinstance(value, int) and -(1 << 63) <= value < (1 << 63) and value != -1:
        return int(value)
    return 0


def _float32(value):
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return value
    if abs(value) > _FLOAT32_MAX:
        return math.copysign(math.inf, value)
    return struct.unpack('<f', struct.pack('<f', value))[0]


class DatadogAgent:
    """The Agent's side of a check: hostname, configuration, metadata, logs, persistent cache."""

    def __init__(self, hostname, run_path, config=None, logger=None, report=None):
        self.hostname = hostname
        self.run_path = run_path
        self.config = {'enable_metadata_collection': True, 'run_path': str(run_path), **(config or {})}
        self.metadata = {}
        self.logger = logger or logging.getLogger('datadog_exercise.runner.check')
        # Where the Agent's own errors go (Failed to read/write cache): stderr, whatever --log-level.
        self.report = report or (lambda line: sys.stderr.write(line + '\n'))

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

    def read_persistent_cache(self, key):
        _c_string_argument(key, 1)
        try:
            content = persistentcache.read(self.run_path, key)
        except persistentcache.CacheError as error:
            self._agent_error('ReadPersistentCache', f'Failed to read cache {key}: {error}')
            raise RuntimeError(persistentcache.READ_FAILED) from None
        value = content.split(b'\0', 1)[0]  # a C string ends at the first NUL
        try:
            return value.decode('utf-8')
        except UnicodeDecodeError:
            self._agent_error('ReadPersistentCache', f'Cache {key} is not UTF-8: the check gets UnicodeDecodeError')
            raise

    def write_persistent_cache(self, key, value):
        _c_string_argument(key, 1)
        try:
            persistentcache.write(self.run_path, key, _c_string_argument(value, 2))
        except persistentcache.CacheError as error:
            self._agent_error('WritePersistentCache', f'Failed to write cache {key}: {error}')

    def _agent_error(self, function, message):
        self.report(f'ERROR | (pkg/collector/python/datadog_agent.go in {function}) | {message}')


def _c_string_argument(value, position):
    """What PyArg_ParseTuple's `s` accepts: a str without NUL, encoded in UTF-8."""
    if not isinstance(value, str):
        raise TypeError(f'argument {position} must be str, not {type(value).__name__}')
    if '\0' in value:
        raise ValueError('embedded null character')
    return value.encode('utf-8')


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
