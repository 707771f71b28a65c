"""`datadog-exercise check <name>`: load, run and print a check as `datadog-agent check <name>` does.

Follows pkg/cli/subcommands/check/command.go (`run`, `runCheck`). Differences from the Agent, on purpose
(docs/runner.md lists them all): the exit status is 1 when a run ends in [ERROR] (the Agent exits
0), and what the Agent prints in Go's random map order (series, metadata, loader errors) comes out in a
fixed order: series in submission order.
"""

import sys
from dataclasses import dataclass, replace

from . import confd, render
from .run import LocalAgent

EXIT_RUN_FAILED = 1
EXIT_NOT_LOADED = 255  # the Agent's exit status when the command itself fails (os.Exit(-1))
NO_VALID_CHECK = 'Error: no valid check found\n'


@dataclass(frozen=True)
class Options:
    name: str
    checksd: str
    confd: str
    conf_file: str | None = None
    check_rate: bool = False
    check_times: int = 1
    pause_ms: int = 0
    as_json: bool = False
    table: bool = False
    log_level: str | None = None
    run_path: str = ''
    hostname: str | None = None
    discovery_min_instances: int = 1
    instance_overrides: dict | None = None  # applied to every instance (the replay uses it)


def run_check_command(options, out=sys.stdout, err=sys.stderr):
    """Print the runs of every instance of the check; return the exit status."""
    agent = LocalAgent(options.run_path, options.hostname, options.log_level)
    scan = confd.read_file(options.name, options.conf_file) if options.conf_file else confd.read_confd(options.confd)
    configs = scan.scheduled(options.name, options.discovery_min_instances)
    if options.instance_overrides:
        configs = [
            replace(config, instances=tuple({**i, **options.instance_overrides} for i in config.instances))
            for config in configs
        ]
    loading = agent.load(options.name, options.checksd, configs)
    if not loading.checks:
        out.write(render.load_failure(options.name, scan.errors, loading.loader_errors))
        out.flush()
        err.write(NO_VALID_CHECK)
        return EXIT_NOT_LOADED

    status = render.CollectorStatus(scan.errors, loading.loader_errors, loading.configure_errors)
    if len(loading.checks) > 1:
        out.write(render.MULTIPLE_INSTANCES)
    times, pause_ms = options.check_times, options.pause_ms
    if options.check_rate:
        times, pause_ms = 2, 1000
    reports = []
    for loaded in loading.checks:
        out.write(render.check_rate_notices(options.check_rate, options.check_times, options.pause_ms))
        report = agent.run(loaded, times, pause_ms)
        reports.append(report)
        if not options.as_json:
            out.write(render.text(report, status, table=options.table))
    if options.as_json:
        out.write(render.json_document(reports))
    elif times < 2:
        out.write(render.single_run_hint(len(loading.checks)))
    out.flush()
    return EXIT_RUN_FAILED if any(report.stats.LastError for report in reports) else 0
