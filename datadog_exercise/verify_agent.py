"""`datadog-exercise verify-agent`: under the real Agent, each check loads and runs, and the app's traces arrived.

Each check is run once as the Agent runs it (`sudo -u dd-agent datadog-agent check <name>`, the guide's
command), and passes when every instance ends in [OK] or [WARNING] (elec_france warns, and reports
CRITICAL, while RTE is out of reach) with no loading or configuration error. The traces pass when the
trace-agent's receiver counted traces from Python in the previous minute (`datadog-agent status --json`,
polled for up to `wait` seconds: it publishes those counts about once a minute).
"""

import subprocess
import time
from dataclasses import dataclass

from .agent_output import AgentOutputError, check_report, trace_receipts
from .agent_user import AgentUser

EXERCISE_CHECKS = ('random_number', 'elec_france', 'mysql')
CHECK_TIMEOUT = 180  # seconds for one `datadog-agent check`: elec_france may wait for RTE, then for ODRE
STATUS_TIMEOUT = 60
POLL_SECONDS = 5
MAX_OUTPUT = 1024 * 1024  # bytes of a command's output that are read


@dataclass(frozen=True)
class Outcome:
    what: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class VerifyAgentRequest:
    agent: str = 'datadog-agent'
    checks: tuple[str, ...] = EXERCISE_CHECKS
    traces_from: str | None = 'python'  # the tracer's language; None: traces are not checked
    wait: float = 150
    agent_user: str = 'dd-agent'


def run_verify_agent(request, echo, sleep=time.sleep, clock=time.monotonic):
    """Print one line per check (and for the traces); the exit status is 1 when any failed."""
    as_agent = AgentUser.of(request.agent_user)
    outcomes = [_check(request.agent, name, as_agent) for name in request.checks]
    if request.traces_from:
        outcomes.append(_traces(request, sleep, clock))
    for outcome in outcomes:
        echo(f'{"pass" if outcome.passed else "FAIL"}  {outcome.what}: {outcome.detail}')
    failed = [outcome.what for outcome in outcomes if not outcome.passed]
    if failed:
        echo(f'{len(failed)} of {len(outcomes)} failed under the Agent: {", ".join(failed)}.')
        return 1
    echo(f'The Agent runs {", ".join(request.checks)}' + (' and received the traces.' if request.traces_from else '.'))
    return 0


def _check(agent, name, as_agent):
    command = [agent, 'check', name]
    try:
        result = _run(command, CHECK_TIMEOUT, as_agent)
    except CommandFailed as error:
        return Outcome(name, False, str(error))
    report = check_report(name, result.stdout + result.stderr, result.returncode)
    if not report.passed:
        return Outcome(name, False, '; '.join(report.problems))
    return Outcome(name, True, ', '.join(f'[{run.status}] {run.instance_id}' for run in report.instances))


def _traces(request, sleep, clock):
    what = f'traces from {request.traces_from}'
    deadline = clock() + request.wait
    while True:
        try:
            receipts = trace_receipts(_run([request.agent, 'status', '--json'], STATUS_TIMEOUT).stdout)
            detail = 'none in the previous minute'
        except (CommandFailed, AgentOutputError) as error:
            receipts, detail = (), str(error)
        received = [receipt for receipt in receipts if receipt.lang == request.traces_from and receipt.traces]
        if received:
            return Outcome(
                what,
                True,
                ', '.join(f'{r.traces} received from {r.lang} (tracer {r.tracer_version})' for r in received)
                + ' in the previous minute (datadog-agent status, APM receiver)',
            )
        if clock() >= deadline:
            return Outcome(what, False, f'{detail}, after waiting {request.wait:g} s; is the app traced (ddtrace-run)?')
        sleep(min(POLL_SECONDS, max(0, deadline - clock())))


class CommandFailed(Exception):
    """A command that could not be run, or did not end in time."""


def _run(command, timeout, as_agent=None):
    options = as_agent.subprocess_options() if as_agent else {}
    try:
        result = subprocess.run(command, capture_output=True, timeout=timeout, **options)
    except FileNotFoundError:
        raise CommandFailed(f'{command[0]} not found: is the Datadog Agent installed?') from None
    except subprocess.TimeoutExpired:
        raise CommandFailed(f'{" ".join(command)} did not finish within {timeout} s') from None
    except OSError as error:
        raise CommandFailed(f'cannot run {command[0]}: {error.strerror}') from None
    return subprocess.CompletedProcess(
        command,
        result.returncode,
        result.stdout[:MAX_OUTPUT].decode(errors='replace'),
        result.stderr[:MAX_OUTPUT].decode(errors='replace'),
    )
