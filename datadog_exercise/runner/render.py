"""Print a check's runs the way `datadog-agent check` prints them (output not on a terminal: no colours).

- the sections: pkg/aggregator/demultiplexer_agent_printer.go `PrintMetrics` (Series, Sketches, Service
  Checks, Events; `--table` through olekukonko/tablewriter), `GetMetricsDataForPrint` for `--json`;
- the collector block: pkg/status/collector/status_templates/collector.tmpl, rendered by Go's text/template
  with the check command's data (pkg/cli/subcommands/check/command.go);
- the messages around them: command.go `run` and `runCheck`.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from . import textwidth
from .gofmt import RawJSON, go_duration, go_fixed, go_float, go_json, thousands

STATUS_NAMES = {0: 'OK', 1: 'WARNING', 2: 'CRITICAL', 3: 'UNKNOWN'}
SINGLE_RUN_HINT = (
    'Check has run only once, if some metrics are missing you can try again with --check-rate to see any '
    'other metric if available.\n'
    "This check type has {count} instances. If you're looking for a different check instance, try filtering on "
    'a specific one using the --instance-filter flag or set --discovery-min-instances to a higher value\n'
)
MULTIPLE_INSTANCES = 'Multiple check instances found, running each of them\n'


@dataclass(frozen=True)
class CollectorStatus:
    """The collector status data the check command renders into every block (Go maps: sorted by the template).

    config_errors: autoConfigStats.ConfigErrors, every check of conf.d; loader_errors:
    checkSchedulerStats.LoaderErrors; configure_errors: pyLoaderStats.ConfigureErrors, `<name> (<version>)`.
    """

    config_errors: dict
    loader_errors: dict
    configure_errors: dict


def text(report, status, table=False):
    """Sections, collector block and metadata of one instance."""
    out = []
    if report.series:
        out.append('=== Series ===\n')
        out.append(_series_table(report.series) if table else go_json([_serie(s) for s in report.series]) + '\n')
    if report.sketches:
        out.append('=== Sketches ===\n')
        out.append(go_json(_sketches(report.sketches)) + '\n')
    if report.service_checks:
        out.append('=== Service Checks ===\n')
        checks = report.service_checks
        out.append(_service_check_table(checks) if table else go_json([_service_check(c) for c in checks]) + '\n')
    if report.events:
        out.append('=== Events ===\n')
        out.append(go_json([_event(e) for e in report.events]) + '\n')
    out.append(collector_block(report.stats, status) + '\n')
    out.append('  Metadata\n  ========\n')
    out.extend(f'    {key}: {value}\n' for key, value in report.metadata.items())
    return ''.join(out)


def json_document(reports):
    """The `--json` form: one object per instance with its aggregator data and runner statistics."""
    instances = []
    for report in reports:
        aggregator = {}
        if report.series:
            aggregator['metrics'] = [_serie_for_json(s) for s in report.series]
        if report.sketches:
            aggregator['sketches'] = _sketches(report.sketches)  # SketchSeriesList.MarshalJSON: nested
        if report.service_checks:
            aggregator['service_checks'] = [_service_check(c) for c in report.service_checks]
        if report.events:
            aggregator['events'] = [_event(e) for e in report.events]
        instances.append(
            {'aggregator': dict(sorted(aggregator.items())), 'inventories': {}, 'runner': vars(report.stats)}
        )
    return go_json(instances) + '\n'


def load_failure(name, config_errors, loader_errors):
    """What `run` prints on stdout when no check could be built, before `Error: no valid check found`."""
    out = []
    if name in config_errors:
        out.append(f'\nError: invalid config for {name}: {config_errors[name]}\n')
    if name in loader_errors:
        out.append(f'\nError: could not load {name}:\n')
        # Go ranges over a map here (random order); the runner prints the loaders in their order, sorted.
        out.extend(f'* {loader}: {error}\n' for loader, error in sorted(loader_errors[name].items()))
    return ''.join(out)


def check_rate_notices(check_rate, check_times, pause_ms):
    """runCheck's notices, printed for every instance."""
    if not check_rate:
        return ''
    notices = 'The check-rate option is overriding check-times to 2\n' if check_times > 2 else ''
    return notices + ('The check-rate option is overriding pause to 1000ms\n' if pause_ms > 0 else '')


def single_run_hint(count):
    return SINGLE_RUN_HINT.format(count=count)


def _serie(serie):
    return {
        'metric': serie.metric,
        # The Agent prints each point with Go's %v: [1710495516, 8.5029e+06]
        'points': [[RawJSON(str(int(serie.timestamp))), RawJSON(go_float(serie.value))]],
        'tags': list(serie.tags),
        'host': serie.host,
        'type': serie.type,
        'interval': 0,
        'source_type_name': 'System',
    }


def _serie_for_json(serie):
    # --json decodes each serie into a Go map, so its keys come out sorted and its numbers are floats;
    # Serie.PopulateDeviceField moves a `device:` tag into its own field first.
    fields = _serie(serie)
    fields['points'] = [[float(int(serie.timestamp)), serie.value]]
    fields['interval'] = 0.0
    devices = [tag for tag in serie.tags if tag.startswith('device:')]
    if devices:
        fields['device'] = devices[-1].removeprefix('device:')
        fields['tags'] = [tag for tag in serie.tags if not tag.startswith('device:')]
    return dict(sorted(fields.items()))


def _sketches(sketches):
    return {
        'sketches': [
            {
                'metric': serie.metric,
                'tags': list(serie.tags),
                'host': serie.host,
                'interval': 0,
                'points': [{'sketch': {'summary': vars(p.summary)}, 'ts': p.timestamp} for p in serie.points],
            }
            for serie in sketches
        ]
    }


def _service_check(sample):
    return {
        'check': sample.name,
        'host_name': sample.hostname,
        'timestamp': sample.timestamp,
        'status': sample.status,
        'message': sample.message,
        'tags': list(sample.tags),
    }


def _event(event):
    # pkg/metrics/event Event: its fields in struct order, the `omitempty` ones left out when empty.
    fields = {
        'msg_title': event.msg_title,
        'msg_text': event.msg_text,
        'priority': event.priority,
        'host': event.host,
        'alert_type': event.alert_type,
        'aggregation_key': event.aggregation_key,
        'source_type_name': event.source_type_name,
        'event_type': event.event_type,
        'tags': list(event.tags),
        'timestamp': event.timestamp,
    }
    required = ('msg_title', 'msg_text', 'host', 'timestamp')
    return {key: value for key, value in fields.items() if key in required or value}


def collector_block(stats, status):
    """The collector block for one instance, as collector.tmpl renders it (text/template's trimming kept)."""
    name, version = stats.CheckName, stats.CheckVersion
    block = '\n\n  Running Checks\n  =============='
    block += f'\n    \n    {name} ({version})' if version else f'\n    \n    {name}'
    block += '\n    ' + '-' * textwidth.segments(name)
    if version:
        block += '-' * textwidth.segments(version) + '---'
    block += '\n      ' + _check_stats(stats) + '\n      '
    if stats.LastError:
        message, traceback = _error_parts(stats.LastError)
        block += f'Error: {message}\n      ' + traceback.replace('\n', '\n      ').replace('\t', '  ').rstrip()
    for warning in stats.LastWarnings:
        block += f'\n      Warning: {warning}\n        '
    return block + _status_sections(status) + '\n'


def _check_stats(stats):
    last_success = format_unix_time(stats.LastSuccessDate) if stats.LastSuccessDate else 'Never'
    lines = [
        f'Instance ID: {stats.CheckID} [{stats.status}]',
        f'      Configuration Source: {stats.CheckConfigSource}',
        f'      Total Runs: {thousands(stats.TotalRuns)}',
        _counts('Metric Samples', stats.MetricSamples, stats.TotalMetricSamples),
        _counts('Events', stats.Events, stats.TotalEvents),
        _counts('Service Checks', stats.ServiceChecks, stats.TotalServiceChecks),
    ]
    if stats.TotalHistogramBuckets:
        lines.append(_counts('Histogram Buckets', stats.HistogramBuckets, stats.TotalHistogramBuckets))
    lines += [
        f'      Average Execution Time : {go_duration(stats.AverageExecutionTime / 1000)}',
        f'      Last Execution Date : {format_unix_time(stats.UpdateTimestamp)}',
        f'      Last Successful Execution Date : {last_success}',
    ]
    return '\n'.join(lines)


def _status_sections(status):
    # The pyLoaderStats, autoConfigStats and checkSchedulerStats parts of collector.tmpl.
    out = ''
    if status.configure_errors:
        out += '\n  Check Initialization Errors\n  ===========================\n\n    '
        for name, errors in sorted(status.configure_errors.items()):
            out += f'\n      {name}\n      ' + '-' * textwidth.segments(name)
            out += ''.join(f'\n\n      instance {index}:\n\n        {error}' for index, error in enumerate(errors))
    if status.config_errors:
        out += '\n  Config Errors\n  =============='
        for name, error in sorted(status.config_errors.items()):
            out += f'\n    {name}\n    ' + '-' * textwidth.segments(name) + f'\n      {error}'
    if status.loader_errors:
        out += '\n  Loading Errors\n  =============='
        for name, errors in sorted(status.loader_errors.items()):
            out += f'\n    {name}\n    ' + '-' * textwidth.segments(name)
            out += ''.join(f'\n      {loader}:\n        {error}\n        ' for loader, error in sorted(errors.items()))
    return out


def _counts(label, last_run, total):
    return f'      {label}: Last Run: {thousands(last_run)}, Total: {thousands(total)}'


def format_unix_time(seconds):
    """Go's formatUnixTime: local time, then UTC when the local zone is not UTC, then milliseconds."""
    local = datetime.fromtimestamp(seconds).astimezone()
    text = f'{local:%Y-%m-%d %H:%M:%S} {local.tzname()}'
    if local.utcoffset().total_seconds():
        text += f' / {datetime.fromtimestamp(seconds, UTC):%Y-%m-%d %H:%M:%S} UTC'
    return f'{text} ({int(seconds) * 1000})'


def _error_parts(last_error):
    # lastErrorMessage and lastErrorTraceback: the first entry of the JSON AgentCheck.run() returns.
    try:
        first = json.loads(last_error)[0]
        return first.get('message', last_error), first.get('traceback', 'No traceback')
    except (ValueError, IndexError, KeyError, TypeError, AttributeError):
        return last_error, 'No traceback'


def _table(headers, rows):
    """olekukonko/tablewriter as the Agent configures it: no borders, two-space gaps, upper-case headers,
    columns as wide as their widest cell in terminal cells (go-runewidth)."""
    rows = sorted(rows, key=lambda row: (row[0], row[2], row[-1]))
    widths = [max(textwidth.cells(cell) for cell in column) for column in zip(headers, *rows, strict=False)]

    def line(cells):
        return ''.join(f'  {textwidth.ljust(cell, width)}' for cell, width in zip(cells, widths, strict=True)) + '  '

    return '\n'.join([line([header.upper() for header in headers])] + [line(row) for row in rows]) + '\n\n'


def _series_table(series):
    rows = [[s.metric, s.type, str(round(s.timestamp)), go_fixed(s.value), ', '.join(s.tags)] for s in series]
    return _table(['Metric', 'Type', 'Timestamp', 'Value', 'Tags'], rows)


def _service_check_table(checks):
    rows = [
        [c.name, c.hostname, str(c.timestamp), STATUS_NAMES.get(c.status, str(c.status)), c.message, ', '.join(c.tags)]
        for c in checks
    ]
    return _table(['Check', 'Hostname', 'Timestamp', 'Status', 'Message', 'Tags'], rows)
