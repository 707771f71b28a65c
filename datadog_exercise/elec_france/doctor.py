"""`datadog-exercise doctor`: what each feed answered and what the check makes of it, in one report.

`examine` is pure: from a recording (recording.py: fetched live a moment ago, or read back from a folder), the
configuration and the instant to judge ages against, it gives the report as plain data (what `--json` prints);
`render` lays it out as tables a person reads. Everything is read as the check reads it: the same parsers,
label table and overrides, the same rules for a usable quarter-hour (answer.py), the same comparison of éCO2mix
with ODRE (crosscheck.py), the same request budget (policy.py).
"""

from datetime import UTC, datetime, timedelta

from datadog_exercise.eco2mix.consistency import figure
from datadog_exercise.eco2mix.labels import ODRE_FIELDS, UNKNOWN, row_name, target_name
from datadog_exercise.eco2mix.model import FeedError
from datadog_exercise.eco2mix.reading import shown
from datadog_exercise.eco2mix.regional import SLUGS
from datadog_exercise.eco2mix.slots import PARIS, QUARTER_HOUR

from . import crosscheck, feeds, policy
from .answer import co2_reading, parsed, prices_reading, regional_reading, reported_snapshot
from .state import Verification

XML_FEEDS = (feeds.ECO2MIX_MIX, feeds.ECO2MIX_CO2)


def examine(config, recording, now, source):
    """The report on `recording` (recording.Recording) under `config`, ages judged at `now` (epoch seconds);
    `source` says where the answers come from (a URL-free description). Its `problems` say what is wrong."""
    problems = []
    answers = {}
    reported = []
    for fetched in recording.fetched:
        feed_report, answer = _feed(config, fetched, now, problems)
        reported.append(feed_report)
        if answer is not None:
            answers[fetched.feed] = answer
    verification = crosscheck.updated(Verification(), answers, now)
    comparison = crosscheck.comparison(verification)
    diagnosis = list(crosscheck.diagnosis(verification))
    if comparison is not None and comparison.mismatches:
        problems.append(comparison.message())
    problems += diagnosis
    return {
        'source': source,
        'at': datetime.fromtimestamp(now, UTC).isoformat(),
        'feeds': reported,
        'cross_check': None
        if comparison is None
        else {
            'quarter_hour': comparison.start.isoformat(),
            'series': [
                {'series': target_name(key), 'eco2mix': ours, 'odre': theirs, 'agree': ours == theirs}
                for key, ours, theirs in comparison.rows
            ],
        },
        'diagnosis': diagnosis,
        'budget': [
            {'feed': feed, 'requests': count, 'per': period, 'for': why}
            for feed, count, period, why in policy.budget(config)
        ],
        'problems': problems,
    }


def _feed(config, fetched, now, problems):
    """(the report of one feed, its parsed answer or None)."""
    report = {
        'feed': fetched.feed,
        'url': fetched.url,
        'status': fetched.status,
        'seconds': round(fetched.seconds, 3),
        'bytes': None if fetched.body is None else len(fetched.body),
        'labels': [],
        'latest': None,
        'age_seconds': None,
        'error': fetched.error,
    }
    if fetched.body is None:
        problems.append(f'{fetched.feed}: {fetched.error}')
        return report, None
    try:
        answer = parsed(fetched.feed, fetched.body, config)
    except FeedError as error:
        report['error'] = f'{feeds.WHAT[fetched.feed]} answer unusable: {error}'
        problems.append(f'{fetched.feed}: {report["error"]}')
        return report, None
    try:
        report['latest'], end = _latest(config, fetched.feed, answer, now)
    except FeedError as error:  # parsed, but without a usable reading: its labels say why, often
        report['error'] = f'{feeds.WHAT[fetched.feed]} answer unusable: {error}'
        problems.append(f'{fetched.feed}: {report["error"]}')
        end = None
    if end is not None:
        report['age_seconds'] = round(now - end.timestamp())
        limit = config.max_data_age + (0 if fetched.feed in XML_FEEDS else 2 * 3600)
        if report['age_seconds'] > limit:
            ago = timedelta(seconds=report['age_seconds'])
            problems.append(f'{fetched.feed}: its latest quarter-hour ended {ago} ago, more than its limit ({limit} s)')
    report['labels'] = _labels(fetched.feed, answer)
    unknown = [label for label in report['labels'] if label['read_as'] == UNKNOWN]
    if unknown and fetched.feed in XML_FEEDS:
        named = ', '.join(_row(label) for label in unknown[:5]) + (', ...' if len(unknown) > 5 else '')
        problems.append(f'{fetched.feed}: {len(unknown)} unknown label(s): {named}')
    return report, answer


def _latest(config, feed, answer, now):
    """(what the latest usable reading is, as text, and when it ends, or None), as the check reads the feed."""
    if feed == feeds.ECO2MIX_CO2:
        start, _ = co2_reading(answer, now)
        return start.isoformat(), start + QUARTER_HOUR
    if feed == feeds.ODRE_REGIONAL:
        regions = regional_reading(answer, now, config.regions or SLUGS)
        latest = max(quarter_hour.end for quarter_hour in regions.values())
        return (latest - QUARTER_HOUR).isoformat(), latest
    if feed == feeds.MARKET:
        days = sorted({area_day.date for area_day in prices_reading(answer, now)})
        return 'prices for ' + ', '.join(map(str, days)), None
    snapshot = reported_snapshot(answer, now)
    return snapshot.start.isoformat(), snapshot.end


def _labels(feed, answer):
    """Each label the answer carried, how the check reads it (known, overridden, ignored, unknown) and as what."""
    if feed in XML_FEEDS:
        for day in answer.days:
            len(day.series)  # the rows of a day are read (and their labels tallied) on its first use
        rows = [
            {'label': label, 'granularite': granularity, 'read_as': reading, 'series': key and target_name(key)}
            for (label, granularity), (reading, key) in answer.labels.rows.items()
        ]
        if answer.labels.more:  # only a hostile answer has more distinct rows than are kept: say how many
            rows.append(
                {'label': None, 'granularite': None, 'read_as': UNKNOWN, 'series': None, 'more': answer.labels.more}
            )
        return rows
    unknown = getattr(answer, 'unknown_labels', None) or getattr(answer, 'unknown_fields', None)
    rows = []
    if feed == feeds.ODRE:
        carried = {key for day in answer.days for key in day.series}
        rows = [
            {'label': field, 'granularite': None, 'read_as': 'known', 'series': target_name(key)}
            for field, key in ODRE_FIELDS.items()
            if key in carried
        ]
    if unknown:
        rows += [{'label': name, 'granularite': None, 'read_as': UNKNOWN, 'series': None} for name in unknown.first]
    return rows


def _label(label):
    return f'({label["more"]} more)' if label['label'] is None else shown(label['label'])


def _row(label):
    return _label(label) if label['label'] is None else row_name(label['label'], label['granularite'])


# ---- as text -------------------------------------------------------------------------------------------------


def render(report):
    """The report as tables a person reads."""
    at = datetime.fromisoformat(report['at'])
    lines = [f'elec_france doctor: {report["source"]}, judged at {at:%Y-%m-%d %H:%M:%S} UTC ({_paris(at)} Paris)', '']
    lines += _table(
        ['feed', 'status', 'seconds', 'bytes', 'latest (Paris)', 'age', 'URL'],
        [
            [
                feed['feed'],
                feed['status'] if feed['status'] is not None else '-',
                f'{feed["seconds"]:.2f}',
                feed['bytes'] if feed['bytes'] is not None else '-',
                _when(feed['latest']),
                timedelta(seconds=feed['age_seconds']) if feed['age_seconds'] is not None else '-',
                feed['url'],
            ]
            for feed in report['feeds']
        ],
    )
    lines += [f'  {feed["feed"]}: {feed["error"]}' for feed in report['feeds'] if feed['error']]
    for feed in report['feeds']:
        if feed['labels']:
            lines += ['', f'Labels of {feed["feed"]}']
            lines += _table(
                ['label', 'granularite', 'read as', 'series'],
                [
                    [_label(label), label['granularite'] or '', label['read_as'], label['series'] or '-']
                    for label in feed['labels']
                ],
            )
    lines.append('')
    comparison = report['cross_check']
    if comparison is None:
        lines.append('Cross-check: no quarter-hour published by both éCO2mix and ODRE in these answers')
    else:
        start = datetime.fromisoformat(comparison['quarter_hour'])
        lines.append(f'Cross-check: éCO2mix against ODRE for {start.astimezone(PARIS):%Y-%m-%d %H:%M} Paris')
        lines += _table(
            ['series', 'éCO2mix', 'ODRE', ''],
            [
                [row['series'], figure(row['eco2mix']), figure(row['odre']), 'same' if row['agree'] else 'DIFFERS']
                for row in comparison['series']
            ],
        )
    lines += [f'  {line}' for line in report['diagnosis']]
    lines += ['', 'Request budget in force (steady state, whatever the interval)']
    per = {'hour': 'an hour', 'day': 'a day'}
    lines += _table(
        ['feed', 'requests', 'for'],
        [[row['feed'], f'{row["requests"]} {per[row["per"]]}', row['for']] for row in report['budget']],
    )
    lines.append('')
    if report['problems']:
        lines.append(f'{len(report["problems"])} problem(s):')
        lines += [f'  - {problem}' for problem in report['problems']]
    else:
        lines.append('No problem found.')
    return '\n'.join(lines) + '\n'


def _table(header, rows):
    cells = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[column]) for row in cells) for column in range(len(header))]
    padded = ['  '.join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in cells]
    return ['  ' + line.rstrip() for line in padded]


def _paris(instant):
    return f'{instant.astimezone(PARIS):%Y-%m-%d %H:%M}'


def _when(latest):
    """The latest reading as the table shows it: a quarter-hour in Paris time, or what the feed has (prices)."""
    if latest is None:
        return '-'
    try:
        return _paris(datetime.fromisoformat(latest))
    except ValueError:
        return latest
