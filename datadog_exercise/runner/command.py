"""`datadog-exercise check <name>`: load, run and print a check as `datadog-agent check <name>` does.

Differences from the Agent, on purpose: the exit status is 1 when a run ends in [ERROR] (the Agent
exits 0), and series keep their submission order (the Agent's order is random).
"""

import contextlib
import sys
from dataclasses import dataclass

from . import render
from .loader import LoadError, load_check_code
from .run import LocalAgent, configs_for

EXIT_RUN_FAILED = 1
EXIT_NOT_LOADED = 255  # what the Agent returns when the command itself fails


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
    instance_overrides: dict | None = None  # applied to every instance (the replay uses it)


def run_check_command(options, out=sys.stdout, err=sys.stderr):
    """Print the runs of every instance of the check; return the exit status."""
    agent = LocalAgent(options.run_path, options.hostname, options.log_level)
    try:
        configs = configs_for(options.name, options.confd, options.conf_file)
        code = load_check_code(options.name, options.checksd)
    except LoadError as error:
        err.write(f'\nError: could not load {options.name}:\n* Python Check Loader: {error}\n')
        err.write('Error: no valid check found\n')
        return EXIT_NOT_LOADED
    checks = []
    for config, siblings in configs:
        if options.instance_overrides:
            config = config.with_overrides(options.instance_overrides)
        try:
            checks.append(agent.build(options.name, code, config, siblings))
        except Exception as error:  # the Agent reports a constructor failure and skips that instance
            err.write(
                f'\nError: could not load {options.name}:\n* Python Check Loader: could not configure check '
                f'instance for python check {options.name}: {type(error).__name__}: {error}\n'
            )
    if not checks:
        err.write('Error: no valid check found\n')
        return EXIT_NOT_LOADED

    times, pause_ms = options.check_times, options.pause_ms
    if options.check_rate:
        if times > 2:
            out.write('The check-rate option is overriding check-times to 2\n')
        if pause_ms > 0:
            out.write('The check-rate option is overriding pause to 1000ms\n')
        times, pause_ms = 2, 1000
    if len(checks) > 1:
        out.write(render.MULTIPLE_INSTANCES)

    reports = []
    for check, stats in checks:
        report = agent.run(check, stats, times, pause_ms)
        reports.append(report)
        if not options.as_json:
            out.write(render.text(report, table=options.table))
        with contextlib.suppress(Exception):  # as the Agent: a failing cancel() is not the user's problem
            check.cancel()
    if options.as_json:
        out.write(render.json_document(reports))
    elif times < 2:
        out.write(render.single_run_hint(len(checks)))
    out.flush()
    return EXIT_RUN_FAILED if any(report.stats.LastError for report in reports) else 0
