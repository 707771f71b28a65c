"""What the real Agent prints about a check and about traces, parsed into plain records.

Formats as the Agent defines them (DataDog/datadog-agent):
- `datadog-agent check <name>` (pkg/cli/subcommands/check/command.go): when no instance loads, it prints
  `Error: could not load <name>:` then one `* <loader>: <error>` line per loader, or `Error: invalid config for
  <name>: <error>`, and ends with cobra's `Error: no valid check found` and exit status 255. Otherwise it runs
  each instance and prints the collector block, exit status 0 even when a run failed.
- The collector block (pkg/status/collector/status_templates/collector.tmpl): under `Running Checks`, a header
  `<name> (<version>)` over dashes, then per instance `Instance ID: <id> [OK|WARNING|ERROR]` (the `status`
  helper of comp/core/status/render_helpers.go: ERROR when the run raised, WARNING when it warned), and
  `Error: <message>` after a failed run; then the sections `Loading Errors`, `Check Initialization Errors`,
  `Config Errors` and `Error initializing Python`, each naming the checks they are about, their errors
  followed by unindented tracebacks.
- `datadog-agent status --json` nests the trace-agent's expvar under `apmStats` (comp/trace/status/impl/status.go),
  or `{"port": ..., "error": ...}` when the trace-agent did not answer. Its `receiver` list holds the previous
  minute's receiver stats, one entry per language and tracer, Tags and Stats flattened (pkg/trace/info/info.go
  publishReceiverStats; pkg/trace/info/stats.go TagStats), such as `{"Lang": "python", "TracerVersion": "2.14.0",
  "TracesReceived": 20, ...}`; the receiver publishes them about once a minute (pkg/trace/api/api.go loop).

Colours (ANSI escapes, when the Agent writes to a terminal) are ignored. Nothing here runs anything.
"""

import json
import re
from dataclasses import dataclass

ERROR_SECTIONS = ('Loading Errors', 'Check Initialization Errors', 'Config Errors')
PYTHON_INIT_SECTION = 'Error initializing Python'
MAX_DETAIL = 300  # characters of an error kept for a message
MAX_RECEIVER_ENTRIES = 1000

_ANSI = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')
_UNDERLINE = re.compile(r'^\s*=+\s*$')
_DASHES = re.compile(r'^(\s*)-+\s*$')
_CHECK_HEADER = re.compile(r'^ {4}(\S+)(?: \((.*)\))?\s*$')
_INSTANCE = re.compile(r'^\s+Instance ID: (\S+) \[(OK|WARNING|ERROR)\]\s*$')
_RUN_ERROR = re.compile(r'^\s+Error: (.*)$')
_COULD_NOT_LOAD = re.compile(r'^Error: could not load (\S+?):\s*$')
_LOADER_LINE = re.compile(r'^\* (.*)$')
_INVALID_CONFIG = re.compile(r'^Error: invalid config for (\S+?): (.*)$')
_COMMAND_ERROR = re.compile(r'^Error: (.*)$')
# What the check command prints at column 0 between blocks; any other line at column 0 inside an error section
# is the rest of a multi-line error (a Python traceback is not indented).
_COMMAND_LINE = re.compile(r'^(===|Error|Warning|Check has run|This check type|Multiple check instances)')


class AgentOutputError(Exception):
    """The Agent's answer cannot be read as what it should be; the message says what arrived."""


@dataclass(frozen=True)
class Instance:
    instance_id: str
    status: str  # OK, WARNING or ERROR
    error: str | None = None


@dataclass(frozen=True)
class CheckReport:
    name: str
    instances: tuple[Instance, ...]
    problems: tuple[str, ...]  # why the Agent did not load or run the check cleanly

    @property
    def passed(self):
        return bool(self.instances) and not self.problems


@dataclass(frozen=True)
class TraceReceipt:
    lang: str
    tracer_version: str
    traces: int


def check_report(name, output, exit_status):
    """What `datadog-agent check NAME` said (its stdout and stderr together) about NAME."""
    top_level, sections = _split(_ANSI.sub('', output).splitlines())
    problems = _command_problems(name, top_level)
    instances = []
    for title, body in sections:  # a block per instance: the same title may come back
        if title == 'Running Checks':
            instances += _instances(name, body)
        elif title in ERROR_SECTIONS:
            # Check Initialization Errors name a check `<module> (<wheel version>)` (pkg/collector/python/loader.go
            # addExpvarConfigureError), the other sections by its name alone.
            problems += [f'{title}: {_short(text)}' for check, text in _entries(body) if check.split(' (')[0] == name]
        elif title == PYTHON_INIT_SECTION:
            problems += [f'{title}: {_short(line.strip()[2:])}' for line in body if line.strip().startswith('- ')]
    problems += [f'[ERROR] {run.instance_id}: {run.error}' for run in instances if run.status == 'ERROR']
    if not instances:
        problems.append(f'{name} is not under Running Checks: the Agent did not run it')
    if exit_status and not problems:
        problems.append(f'datadog-agent check exited {exit_status} and said nothing about why')
    return CheckReport(name, tuple(instances), tuple(dict.fromkeys(problems)))


def _split(lines):
    """Lines outside any section, and (title, lines) for each section: a title is a line over a row of '='; a
    section holds the indented lines after it, up to the next title or line that starts at column 0."""
    top_level, sections = [], []
    title = body = None
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ''
        if line.strip() and not _UNDERLINE.match(line) and _UNDERLINE.match(following):
            title, body = line.strip(), []
            sections.append((title, body))
        elif body is not None and (_indented(line) or (title in ERROR_SECTIONS and not _COMMAND_LINE.match(line))):
            body.append(line)
        else:
            body = None
            top_level.append(line)
    return top_level, sections


def _indented(line):
    return line.startswith(' ') or not line


def _instances(name, body):
    """NAME's instances under Running Checks, with the error of each failed run."""
    instances = []
    check = None
    for index, line in enumerate(body):
        following = body[index + 1] if index + 1 < len(body) else ''
        if (header := _CHECK_HEADER.match(line)) and _DASHES.match(following):
            check = header.group(1)
        elif check != name:
            continue
        elif instance := _INSTANCE.match(line):
            instances.append(Instance(instance.group(1), instance.group(2)))
        elif (
            (error := _RUN_ERROR.match(line))
            and instances
            and instances[-1].status == 'ERROR'
            and not instances[-1].error
        ):
            instances[-1] = Instance(instances[-1].instance_id, 'ERROR', _short(error.group(1)))
    return [
        Instance(run.instance_id, run.status, run.error or 'no error text') if run.status == 'ERROR' else run
        for run in instances
    ]


def _entries(body):
    """(check, text) for each entry of an error section: a name over dashes at its indentation, then its lines."""
    entries = []
    for index, line in enumerate(body):
        following = body[index + 1] if index + 1 < len(body) else ''
        dashes = _DASHES.match(following)
        if dashes and line.strip() and len(line) - len(line.lstrip()) == len(dashes.group(1)):
            entries.append((line.strip(), []))
        elif entries and line.strip() and not _DASHES.match(line):
            entries[-1][1].append(line.strip())
    return [(check, _summary(text)) for check, text in entries]


def _summary(lines):
    """The lines of an error, or its first and last when that is too long (a traceback's last line is the error)."""
    whole = ' '.join(lines)
    return whole if len(whole) <= MAX_DETAIL or len(lines) < 3 else f'{lines[0]} ... {lines[-1]}'


def _command_problems(name, lines):
    return [
        problem for index, line in enumerate(lines) for problem in _top_level_problem(name, line, lines[index + 1 :])
    ]


def _top_level_problem(name, line, rest):
    """A line outside the collector block: the check command's own errors (about NAME, or about the command)."""
    if could_not_load := _COULD_NOT_LOAD.match(line):
        if could_not_load.group(1) != name:
            return []
        return [f'could not load {name}: {"; ".join(_loader_reasons(rest)) or "no reason given"}']
    if invalid := _INVALID_CONFIG.match(line):
        return [f'invalid config for {name}: {_short(invalid.group(2))}'] if invalid.group(1) == name else []
    if command_error := _COMMAND_ERROR.match(line):
        return [f'datadog-agent check: {_short(command_error.group(1))}']
    return []


def _loader_reasons(lines):
    """Each `* <loader>: <error>` line after `could not load`, with the last line of the traceback that may follow
    it (the exception), up to a blank line."""
    reasons = []
    for line in lines:
        if loader := _LOADER_LINE.match(line):
            reasons.append([loader.group(1)])
        elif reasons and line.strip() and not _COMMAND_LINE.match(line):
            reasons[-1].append(line.strip())
        else:
            break
    return [_short(first) + (f' ... {_short(more[-1])}' if more else '') for first, *more in reasons]


def trace_receipts(status_json):
    """The previous minute's receiver stats from `datadog-agent status --json`, one per language and tracer."""
    try:
        document = json.loads(status_json)
    except (ValueError, UnicodeDecodeError) as error:
        raise AgentOutputError(f'datadog-agent status --json did not print JSON: {error}') from None
    apm = document.get('apmStats') if isinstance(document, dict) else None
    if not isinstance(apm, dict):
        raise AgentOutputError('datadog-agent status has no APM section: is apm_config.enabled true in datadog.yaml?')
    if apm.get('error'):
        raise AgentOutputError(f'the trace-agent did not answer the Agent: {_short(str(apm["error"]))}')
    receiver = apm.get('receiver') or []
    if not isinstance(receiver, list):
        raise AgentOutputError(f'apmStats.receiver is not a list in datadog-agent status: {_short(repr(receiver))}')
    receipts = []
    for stats in receiver[:MAX_RECEIVER_ENTRIES]:
        if not isinstance(stats, dict):
            continue
        traces = stats.get('TracesReceived', 0)
        receipts.append(
            TraceReceipt(
                lang=str(stats.get('Lang') or ''),
                tracer_version=str(stats.get('TracerVersion') or ''),
                traces=traces if isinstance(traces, int) and not isinstance(traces, bool) and traces > 0 else 0,
            )
        )
    return tuple(receipts)


def _short(text):
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 3] + '...'
