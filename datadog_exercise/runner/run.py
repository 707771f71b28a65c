"""Load and run a check's instances the way `datadog-agent check <name>` does, and keep what it would print."""

import json
import logging
import re
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import builtins, loader
from .checkid import check_id
from .sampler import CheckSampler, Context
from .stats import Stats

# A traceback entry of the runner's own code: its "File" line, the source line and Python's ^^^ markers.
_RUNNER_FRAME = re.compile(
    r'  File "'
    + re.escape(str(Path(__file__).parent))
    + r'/[^"\n]*", line \d+, in [^\n]*\n(?:    [^\n]*\n)?(?:    [ ~^]+\n)?'
)


@dataclass
class InstanceReport:
    """Everything printed for one instance after its runs."""

    stats: Stats
    hostname: str
    series: list = field(default_factory=list)
    sketches: list = field(default_factory=list)
    service_checks: list = field(default_factory=list)
    events: list = field(default_factory=list)
    metadata: dict = field(default_factory=dict)


@dataclass
class LoadedCheck:
    check: object
    stats: Stats


@dataclass
class Loading:
    """The check objects built from the configurations, and what the Agent records about failures:
    checkSchedulerStats.LoaderErrors (pkg/collector/scheduler.go, errors.go) and pyLoaderStats.ConfigureErrors
    (pkg/collector/python/loader.go addExpvarConfigureError), which the collector status block shows."""

    checks: list[LoadedCheck] = field(default_factory=list)
    loader_errors: dict[str, dict[str, str]] = field(default_factory=dict)
    configure_errors: dict[str, list[str]] = field(default_factory=dict)


class StderrLog:
    """Where the checks' logs go: nowhere by default (the Agent's `check` command sets them `off`)."""

    def __init__(self, level_name=None):
        self.threshold = logging.getLevelName(level_name.upper()) if level_name else None

    def log(self, level, _, message):
        if self.threshold is not None and level >= self.threshold:
            sys.stderr.write(f'{logging.getLevelName(level)} | {message}\n')


class LocalAgent:
    """The Agent's side of a check run: its built-in modules, hostname, check loaders and persistent cache."""

    def __init__(self, run_path, hostname=None, log_level=None):
        self.hostname = hostname or socket.gethostname()
        self.aggregator = builtins.Aggregator(self.hostname)
        self.datadog_agent = builtins.DatadogAgent(
            self.hostname,
            run_path,
            config={'log_level': log_level or 'critical'},
            logger=StderrLog(log_level),
        )
        builtins.install(self.aggregator, self.datadog_agent)

    def load(self, name, checksd, configs):
        """CheckScheduler.getChecks over every instance of every configuration: Core loader, then Python."""
        loading = Loading()
        code = None
        for config in configs:
            for index, instance in enumerate(config.instances):
                instance_id = check_id(name, instance, config.init_config, config.instances)
                failures = {loader.CORE_LOADER: loader.core_loader_error(name)}
                try:
                    code = code or loader.load_check_code(name, checksd)
                    configured = loader.configure(
                        code, name, instance, config.init_config, instance_id, self.datadog_agent.config
                    )
                except loader.LoadError as error:
                    failures[loader.PYTHON_LOADER] = str(error)
                except loader.ConfigureError as error:
                    loading.configure_errors.setdefault(f'{name} ({code.version})', []).append(str(error))
                    failures[loader.PYTHON_LOADER] = (
                        f'could not configure check instance for python check {name}: {error}'
                    )
                else:
                    self.aggregator.configure_sender(instance_id, configured.service, configured.empty_default_hostname)
                    stats = Stats(
                        CheckName=name,
                        CheckVersion=code.version,
                        CheckConfigSource=f'{config.source}[{index}]',
                        CheckID=instance_id,
                        Interval=configured.interval_seconds * 1_000_000_000,
                    )
                    loading.checks.append(LoadedCheck(configured.check, stats))
                    loading.loader_errors.pop(name, None)  # errorStats.removeLoaderErrors
                    continue
                loading.loader_errors.setdefault(name, {}).update(failures)
        return loading

    def run(self, loaded, times=1, pause_ms=0):
        check, stats = loaded.check, loaded.stats
        report = InstanceReport(stats=stats, hostname=self.hostname)
        sampler = CheckSampler()
        for run in range(times):
            started = time.perf_counter()
            error = _without_runner_frames(check.run())
            warnings = check.get_warnings()
            elapsed = time.perf_counter() - started
            now = time.time()  # the sender's Commit, at the end of the run
            submissions = self.aggregator.take(stats.CheckID)
            for sample in submissions.metrics:
                sampler.add_sample(sample, Context(sample.name, sample.host, sample.tags))
            for bucket in submissions.buckets:
                sampler.add_bucket(bucket, Context(bucket.name, bucket.host, bucket.tags))
            series, sketches = sampler.commit(now)
            report.series += series
            report.sketches += sketches
            report.service_checks += submissions.service_checks
            report.events += submissions.events
            stats.add(elapsed, error, warnings, submissions, now)
            if pause_ms and run < times - 1:
                time.sleep(pause_ms / 1000)
        provider, _, source = stats.CheckConfigSource.partition(':')
        # check.GetMetadata (integration.ConfigSourceToMetadataMap), then the check's own set_metadata values.
        report.metadata = {
            'config.hash': stats.CheckID,
            'config.provider': provider,
            'config.source': source or 'unknown',
            **self.datadog_agent.metadata.get(stats.CheckID, {}),
        }
        return report


def _without_runner_frames(error):
    """The check's error report without the runner's own frames: in the Agent the `aggregator` and
    `datadog_agent` calls are rtloader's C built-ins, which add no frame to a traceback."""
    if not error or '"traceback"' not in error:
        return error
    from datadog_checks.base.utils.format import json as agent_json  # how AgentCheck.run encodes it

    try:
        entries = json.loads(error)
        for entry in entries:
            entry['traceback'] = _RUNNER_FRAME.sub('', entry['traceback'])
    except (ValueError, TypeError, KeyError):
        return error
    return agent_json.encode(entries)
