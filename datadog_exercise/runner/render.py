"""Print a check's runs the way `datadog-agent check` prints them (Agent 7, output not on a terminal)."""

import json
import unicodedata
from datetime import UTC, datetime

from .gofmt import RawJSON, go_duration, go_fixed, go_float, go_json, thousands

STATUS_NAMES = {0: 'OK', 1: 'WARNING', 2: 'CRITICAL', 3: 'UNKNOWN'}
SINGLE_RUN_HINT = (
    'Check has run only once, if some metrics are missing you can try again with --check-rate to see any '
    'other metric if available.\n'
    "This check type has {count} instances. If you're looking for a different check instance, try filtering on "
    'a specific one using the --instance-filter flag or set --discovery-min-instances to a higher value\n'
)
MULTIPLE_INSTANCES = 'Multiple check instances found, running each of them\n'


def text(report, table=False):
    """Sections, collector block and metadata of one instance."""
    out = []
    if report.series:
        out.append('=== Series ===\n')
        out.append(_series_table(report.series) if table else go_json([_serie(s) for s in report.series]) + '\n')
    if report.service_checks:
        out.append('=== Service Checks ===\n')
        checks = report.service_checks
        out.append(_service_check_table(checks) if table else go_json([_service_check(c) for c in checks]) + '\n')
    if report.events:
        out.append('=== Events ===\n')
        out.append(go_json([_event(e, report.hostname) for e in report.events]) + '\n')
    out.append(collector_block(report.stats) + '\n')
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
        if report.service_checks:
            aggregator['service_checks'] = [_service_check(c) for c in report.service_checks]
        if report.events:
            aggregator['events'] = [_event(e, report.hostname) for e in report.events]
        instances.append(
            {'aggregator': dict(sorted(aggregator.items())), 'inventories': {}, 'runner': vars(report.stats)}
        )
    return go_json(instances) + '\n'


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
    # --json decodes each serie into a Go map, so its keys come out sorted and its numbers are floats.
    fields = _serie(serie)
    fields['points'] = [[float(int(serie.timestamp)), serie.value]]
    fields['interval'] = 0.0
    return dict(sorted(fields.items()))


def _service_check(check):
    sample, timestamp = check
    return {
        'check': sample.name,
        'host_name': sample.hostname,
        'timestamp': timestamp,
        'status': sample.status,
        'message': sample.message,
        'tags': sorted(set(sample.tags)),
    }


def _event(event, hostname):
    fields = {
        'msg_title': event.get('msg_title', ''),
        'msg_text': event.get('msg_text', ''),
        'timestamp': int(event.get('timestamp') or 0),
        'priority': event.get('priority'),
        'host': event.get('host') or hostname,
        'tags': sorted(set(event.get('tags') or ())),
        'alert_type': event.get('alert_type'),
        'aggregation_key': event.get('aggregation_key'),
        'source_type_name': event.get('source_type_name'),
        'event_type': event.get('event_type'),
    }
    required = ('msg_title', 'msg_text', 'timestamp', 'host')
    return {key: value for key, value in fields.items() if key in required or value}


def collector_block(stats):
    """The `Running Checks` block for one instance, as the Agent's collector.tmpl renders it."""
    name = stats.CheckName
    version = stats.CheckVersion
    lines = [
        '',
        '',
        '  Running Checks',
        '  ==============',
        '    ',
        f'    {name} ({version})' if version else f'    {name}',
        '    ' + '-' * _width(name) + ('-' * _width(version) + '---' if version else ''),
        f'      Instance ID: {stats.CheckID} [{stats.status}]',
        f'      Configuration Source: {stats.CheckConfigSource}',
        f'      Total Runs: {thousands(stats.TotalRuns)}',
        _counts('Metric Samples', stats.MetricSamples, stats.TotalMetricSamples),
        _counts('Events', stats.Events, stats.TotalEvents),
        _counts('Service Checks', stats.ServiceChecks, stats.TotalServiceChecks),
    ]
    if stats.TotalHistogramBuckets:
        lines.append(_counts('Histogram Buckets', stats.HistogramBuckets, stats.TotalHistogramBuckets))
    last_success = format_unix_time(stats.LastSuccessDate) if stats.LastSuccessDate else 'Never'
    lines += [
        f'      Average Execution Time : {go_duration(stats.AverageExecutionTime / 1000)}',
        f'      Last Execution Date : {format_unix_time(stats.UpdateTimestamp)}',
        f'      Last Successful Execution Date : {last_success}',
    ]
    if stats.LastError:
        message, traceback = _error_parts(stats.LastError)
        lines.append(f'      Error: {message}')
        lines.append('      ' + traceback.replace('\n', '\n      ').rstrip('\n\t '))
    else:
        lines.append('      ')
    for warning in stats.LastWarnings:
        lines.append(f'      Warning: {warning}')
        lines.append('        ')
    return '\n'.join(lines) + '\n'


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
    try:
        first = json.loads(last_error)[0]
        return first.get('message', last_error), first.get('traceback', 'No traceback')
    except (ValueError, IndexError, KeyError, TypeError, AttributeError):
        return last_error, 'No traceback'


def _width(text):
    return len(unicodedata.normalize('NFKD', text))


def _table(headers, rows):
    """olekukonko/tablewriter as the Agent configures it: no borders, two-space gaps, upper-case headers."""
    rows = sorted(rows, key=lambda row: (row[0], row[2], row[-1]))
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=False)]
    lines = [''.join(f'  {cell.upper():<{width}}' for cell, width in zip(headers, widths, strict=True)) + '  ']
    lines += [''.join(f'  {cell:<{width}}' for cell, width in zip(row, widths, strict=True)) + '  ' for row in rows]
    return '\n'.join(lines) + '\n\n'


def _series_table(series):
    rows = [[s.metric, s.type, str(round(s.timestamp)), go_fixed(s.value), ', '.join(s.tags)] for s in series]
    return _table(['Metric', 'Type', 'Timestamp', 'Value', 'Tags'], rows)


def _service_check_table(checks):
    rows = [
        [
            c.name,
            c.hostname,
            str(ts),
            STATUS_NAMES.get(c.status, str(c.status)),
            c.message,
            ', '.join(sorted(set(c.tags))),
        ]
        for c, ts in checks
    ]
    return _table(['Check', 'Hostname', 'Timestamp', 'Status', 'Message', 'Tags'], rows)
