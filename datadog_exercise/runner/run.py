"""Run a check's instances the way `datadog-agent check <name>` does, and collect what it would print."""

import logging
import socket
import sys
import time
from dataclasses import dataclass, field, replace

from . import builtins, loader
from .checkid import check_id
from .sampler import CheckSampler
from .stats import Stats

DEFAULT_INTERVAL_SECONDS = 15


@dataclass
class InstanceReport:
    """Everything printed for one instance after its runs."""

    stats: Stats
    hostname: str
    series: list = field(default_factory=list)
    service_checks: list = field(default_factory=list)  # (ServiceCheckSample, unix timestamp)
    events: list = field(default_factory=list)
    metadata: dict = field(default_factory=dict)


class StderrLog:
    """Where the checks' logs go: nowhere by default (the Agent's `check` command sets them `off`)."""

    def __init__(self, level_name=None):
        self.threshold = logging.getLevelName(level_name.upper()) if level_name else None

    def log(self, level, _, message):
        if self.threshold is not None and level >= self.threshold:
            sys.stderr.write(f'{logging.getLevelName(level)} | {message}\n')


class LocalAgent:
    """The Agent's side of a check run: its built-in modules, hostname and persistent cache."""

    def __init__(self, run_path, hostname=None, log_level=None):
        self.hostname = hostname or socket.gethostname()
        self.aggregator = builtins.Aggregator()
        self.datadog_agent = builtins.DatadogAgent(
            self.hostname,
            run_path,
            config={'log_level': log_level or 'critical'},
            logger=StderrLog(log_level),
        )
        builtins.install(self.aggregator, self.datadog_agent)

    def build(self, name, code, config, all_instances):
        """One check object for one instance, as the Agent's Python loader builds it."""
        instance_id = check_id(name, config.instance, config.init_config, all_instances)
        check = code.check_class(
            name=name, init_config=dict(config.init_config or {}), instances=(dict(config.instance),)
        )
        check.check_id = instance_id
        interval = config.instance.get('min_collection_interval') or DEFAULT_INTERVAL_SECONDS
        stats = Stats(
            CheckName=name,
            CheckVersion=code.version,
            CheckConfigSource=config.source,
            CheckID=instance_id,
            Interval=int(interval * 1_000_000_000),
        )
        return check, stats

    def run(self, check, stats, times=1, pause_ms=0):
        report = InstanceReport(stats=stats, hostname=self.hostname)
        sampler = CheckSampler()
        for run in range(times):
            started = time.perf_counter()
            error = check.run()
            warnings = check.get_warnings()
            elapsed = time.perf_counter() - started
            now = time.time()
            submissions = self.aggregator.take(stats.CheckID)
            report.series += sampler.commit(submissions.metrics, now, self.hostname)
            # The Agent's sender gives the default hostname to what comes without one.
            report.service_checks += [
                (replace(sample, hostname=sample.hostname or self.hostname), int(now))
                for sample in submissions.service_checks
            ]
            report.events += submissions.events
            stats.add(elapsed, error, warnings, submissions, now)
            if pause_ms and run < times - 1:
                time.sleep(pause_ms / 1000)
        report.metadata = {
            'config.hash': stats.CheckID,
            'config.provider': stats.CheckConfigSource.partition(':')[0],
            **self.datadog_agent.metadata.get(stats.CheckID, {}),
        }
        return report


def configs_for(name, confd, conf_file):
    """Configurations in file order, with the instances of their own file (the ID depends on them)."""
    configs = loader.load_configs(name, confd, conf_file)
    siblings = {}
    for config in configs:
        siblings.setdefault(config.path, []).append(config.instance)
    return [(config, siblings[config.path]) for config in configs]
