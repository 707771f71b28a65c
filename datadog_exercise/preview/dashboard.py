"""Draw a dashboard's dry-run JSON to PNG: every widget's queries evaluated against a MetricStore.

Supported: `timeseries` (display types line, area stacked by group, bars; a request `on_right_yaxis` against
a second y-axis), `query_value` with its conditional formats, and `toplist`. A query on a metric that only
an Agent integration reports (EXTERNAL_SOURCES) is drawn as an explicit "no local data" panel; any other
query that matches nothing, and any widget or formula outside this subset, stops the rendering with
PreviewError.
"""

import itertools
import math
import operator
import textwrap
from datetime import UTC, datetime, timedelta

from ..eco2mix.slots import PARIS
from ..plot import STACK
from . import png
from .query import QueryError, evaluate, formula_series, parse, reduce

BANNER = 'Local preview rendered from `datadog-exercise apply --dry-run` and fixture data, not a Datadog screenshot'
# Metrics no check of this package reports, and what reports them: previews show no data for them.
EXTERNAL_SOURCES = {'mysql.': "the Agent's MySQL check"}
COLUMNS = 3
FUEL_COLORS = {fuel: color for fuel, _, color in STACK}
PALETTES = {  # conditional-format palettes: (text, background)
    'white_on_red': ('white', '#e5484d'),
    'white_on_yellow': ('white', '#e2a30f'),
    'white_on_green': ('white', '#2f9e5b'),
}
COMPARATORS = {'>': operator.gt, '>=': operator.ge, '<': operator.lt, '<=': operator.le}
MONOSPACE = 'DejaVu Sans Mono'
# Datadog rolls a graph's points up to at most about 300 per line graph and 150 per bar graph, at
# intervals from a fixed ladder: 1 min lines and 2 min bars over 4 hours, 5 min lines over a day
# (docs.datadoghq.com/dashboards/faq/why-does-zooming-out-a-timeframe-also-smooth-out-my-graphs).
DISPLAY_INTERVALS = (20, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800, 86400)
MAX_POINTS = {'line': 300, 'area': 300, 'bars': 150}


class PreviewError(Exception):
    pass


def external_source(metric):
    """What reports `metric` when no check of this package does, else None."""
    return next((source for prefix, source in EXTERNAL_SOURCES.items() if metric.startswith(prefix)), None)


def display_interval(span, display_type):
    """The rollup interval, in seconds, of a graph of `display_type` covering `span` seconds."""
    limit = MAX_POINTS.get(display_type)
    if limit is None:
        raise PreviewError(f'display type {display_type!r} is not drawn by the local preview')
    return next((interval for interval in DISPLAY_INTERVALS if span / interval <= limit), DISPLAY_INTERVALS[-1])


def queries_of(dashboard):
    """Every metric query string of the dashboard's widgets."""
    return [
        query['query']
        for widget in dashboard['widgets']
        for request in widget['definition']['requests']
        for query in request['queries']
    ]


def render(dashboard, store, path, provenance=()):
    """Draw `dashboard` (one element of the dry run's `dashboards`) to `path`.

    `provenance`: (metric names, sentence) pairs; the sentences about metrics the dashboard uses are
    printed under it.
    """
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    widgets = [widget['definition'] for widget in dashboard['widgets']]
    used = {parse(query).metric for query in queries_of(dashboard)}
    timestamps = [point.timestamp for metric in used for point in store.points(metric)]
    span = max(timestamps) - min(timestamps) if timestamps else 0
    notes = [sentence for metrics, sentence in provenance if used & set(metrics)]
    notes.append(
        f'Times are Paris time. As Datadog does over {span / 3600:.0f} hours, graphs average their points into '
        f'{display_interval(span, "line") // 60}-minute buckets for lines and areas and '
        f'{display_interval(span, "bars") // 60}-minute buckets for bars, unless the query rolls up more coarsely; '
        'query values and top lists show the last value submitted.'
    )
    note_lines = [line for note in notes for line in _wrapped(note, 200)]
    # Inches. Each row: the widget titles and queries, the plot, its tick labels.
    columns = min(COLUMNS, len(widgets))
    rows = math.ceil(len(widgets) / columns)
    labels = (16 + 9 * max(len(_query_lines(widget)) for widget in widgets)) / 72
    plot_height, ticks, gap, side = 2.5, 0.45, 0.75, 0.65
    header, footer = 1.25, 0.25 + 0.17 * len(note_lines)
    row_height = labels + plot_height + ticks
    width, height = 6.2 * columns, header + rows * row_height + footer
    plot_width = (width - side - 0.3 - gap * (columns - 1)) / columns
    figure = plt.figure(figsize=(width, height), dpi=90, facecolor='#f3f4f6')
    figure.text(0.2 / width, 1 - 0.25 / height, dashboard['title'], fontsize=17, fontweight='bold', va='top')
    figure.text(
        0.2 / width,
        1 - 0.68 / height,
        '\n'.join(_wrapped(dashboard.get('description', ''), 170)),
        fontsize=9.5,
        color='#444444',
        va='top',
        parse_math=False,
    )
    figure.text(
        1 - 0.2 / width,
        1 - 0.25 / height,
        BANNER,
        fontsize=10.5,
        ha='right',
        va='top',
        parse_math=False,
        bbox={'boxstyle': 'round,pad=0.45', 'facecolor': '#fff3bf', 'edgecolor': '#e2a30f'},
    )
    figure.text(
        0.2 / width, 0.15 / height, '\n'.join(note_lines), fontsize=8.5, color='#444444', va='bottom', parse_math=False
    )
    for position, widget in enumerate(widgets):
        row, column = divmod(position, columns)
        left = side + column * (plot_width + gap)
        bottom = height - header - row * row_height - labels - plot_height
        axes = figure.add_axes((left / width, bottom / height, plot_width / width, plot_height / height))
        _widget(axes, widget, store, span)
    png.save(figure, path, facecolor=figure.get_facecolor())
    plt.close(figure)
    return path


def _wrapped(text, width):
    return textwrap.wrap(text, width) or ['']


def _widget(axes, definition, store, span):
    kind = definition['type']
    draw = {'timeseries': _timeseries, 'query_value': _query_value, 'toplist': _toplist}.get(kind)
    if draw is None:
        raise PreviewError(f"widget '{definition.get('title')}': type {kind!r} is not drawn by the local preview")
    lines = _query_lines(definition)
    axes.annotate(
        '\n'.join(lines),
        (0, 1),
        xycoords='axes fraction',
        xytext=(0, 4),
        textcoords='offset points',
        fontsize=7.5,
        family=MONOSPACE,
        color='#555555',
        va='bottom',
        parse_math=False,
    )
    axes.annotate(
        definition.get('title', ''),
        (0, 1),
        xycoords='axes fraction',
        xytext=(0, 7 + 9 * len(lines)),
        textcoords='offset points',
        fontsize=11,
        fontweight='bold',
        va='bottom',
        parse_math=False,
    )
    queries = [query['query'] for request in definition['requests'] for query in request['queries']]
    missing = [(query, source) for query in queries if (source := external_source(parse(query).metric))]
    if missing:
        _no_local_data(axes, missing)
        return
    try:
        draw(axes, definition, store, span)
    except QueryError as error:
        raise PreviewError(f"widget '{definition.get('title')}': {error}") from None


def _query_lines(definition):
    """The widget's queries, and the formulas that are more than a query's name, as the JSON says them."""
    lines = []
    for request in definition['requests']:
        names = {query['name'] for query in request['queries']}
        lines += [f'{formula["formula"]}  where' for formula in request['formulas'] if formula['formula'] not in names]
        lines += [query['query'] for query in request['queries']]
    return lines


def _no_local_data(axes, missing):
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_facecolor('white')
    lines = [f'no local data for {parse(query).metric}\n(needs {source})' for query, source in missing]
    axes.text(
        0.5,
        0.5,
        '\n'.join(lines),
        transform=axes.transAxes,
        ha='center',
        va='center',
        fontsize=10,
        color='#666666',
        parse_math=False,
    )


def _results(request, store, interval=None):
    """{query name: series}; a query that matches nothing is an error, not an empty panel."""
    results = {}
    for query in request['queries']:
        series = evaluate(query['query'], store, interval)
        if not series:
            raise PreviewError(f'{query["query"]} matches nothing in the local store')
        results[query['name']] = series
    return results


def _timeseries(axes, definition, store, span):
    import matplotlib.dates as mdates

    axes.set_facecolor('white')
    labelled = False
    right = None  # the second y-axis, for requests `on_right_yaxis`
    position = 0  # series drawn so far: each gets its own colour, whichever axis it is on
    for request in definition['requests']:
        display_type = request.get('display_type', 'line')
        results = _results(request, store, display_interval(span, display_type))
        drawn = []
        for formula in request['formulas']:
            for series in formula_series(formula['formula'], results):
                label = formula.get('alias') or ', '.join(series.group) or formula['formula']
                labelled = labelled or bool(formula.get('alias') or series.group)
                drawn.append((label, series))
        if request.get('on_right_yaxis'):
            right = right or axes.twinx()
            _draw_series(right, display_type, drawn, position)
        else:
            _draw_series(axes, display_type, drawn, position)
        position += len(drawn)
    if 'yaxis' in definition:
        axes.set_ylim(float(definition['yaxis']['min']), float(definition['yaxis']['max']))
    elif labelled:
        for side in (axes, right) if right else (axes,):
            bottom, top = side.get_ylim()
            side.set_ylim(bottom, top + (top - bottom) * 0.25)  # room for the legend above the series
    axes.xaxis.set_major_formatter(mdates.DateFormatter('%H:%M', tz=PARIS))
    axes.grid(alpha=0.3)
    for side in (axes, right) if right else (axes,):
        side.tick_params(labelsize=8)
    if labelled:
        handles, labels = axes.get_legend_handles_labels()
        if right:
            more_handles, more_labels = right.get_legend_handles_labels()
            handles = [*handles, *more_handles]
            labels = [*labels, *(f'{label} (right axis)' for label in more_labels)]
        loc = 'best' if 'yaxis' in definition else 'upper left'
        (right or axes).legend(handles, labels, fontsize=7, loc=loc, ncol=4, frameon=False)


def _draw_series(axes, display_type, drawn, first=0):
    times = [[_instant(timestamp) for timestamp, _ in series.points] for _, series in drawn]
    values = [[value for _, value in series.points] for _, series in drawn]
    labels = [label for label, _ in drawn]
    colors = [_color(label, first + position) for position, label in enumerate(labels)]
    if display_type == 'area':
        if any(column != times[0] for column in times):
            raise PreviewError(f'the stacked series {", ".join(labels)} do not share their timestamps')
        axes.stackplot(times[0], values, labels=labels, colors=colors, alpha=0.9)
    elif display_type == 'bars':
        for label, color, column, heights in zip(labels, colors, times, values, strict=True):
            # As wide as the interval between points (a rollup bucket), a lone point a minute wide. Only a few
            # bars get a gap between them: at a few pixels each, gaps alias into stripes.
            step = min((b - a for a, b in itertools.pairwise(column)), default=timedelta(minutes=1))
            width = step / timedelta(days=1) * (0.8 if len(column) <= 50 else 1.0)
            axes.bar(column, heights, width=width, align='edge', label=label, color=color)
    elif display_type == 'line':
        for label, color, column, heights in zip(labels, colors, times, values, strict=True):
            axes.plot(column, heights, label=label, color=color, linewidth=1.3)
    else:
        raise PreviewError(f'display type {display_type!r} is not drawn by the local preview')


def _query_value(axes, definition, store, _span):
    (request,) = definition['requests']
    (query,) = request['queries']
    (formula,) = request['formulas']
    series = formula_series(formula['formula'], _results(request, store))
    if len(series) != 1:
        raise PreviewError(f'{query["query"]} gives {len(series)} groups; a query value shows one number')
    value = reduce(series[0], query['aggregator'])
    text_color, background = '#222222', 'white'
    for rule in formula.get('conditional_formats', ()):
        if COMPARATORS[rule['comparator']](value, rule['value']):
            text_color, background = PALETTES[rule['palette']]
            break
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_facecolor(background)
    number = f'{value:,.{definition.get("precision", 2)}f}'
    axes.text(
        0.5,
        0.55,
        number,
        transform=axes.transAxes,
        ha='center',
        va='center',
        fontsize=40,
        color=text_color,
        fontweight='bold',
    )
    axes.text(
        0.5, 0.15, f'{query["aggregator"]} value', transform=axes.transAxes, ha='center', fontsize=9, color=text_color
    )


def _toplist(axes, definition, store, _span):
    (request,) = definition['requests']
    (query,) = request['queries']
    (formula,) = request['formulas']
    series = formula_series(formula['formula'], _results(request, store))
    limit = formula.get('limit', {})
    ranked = sorted(
        ((', '.join(item.group), reduce(item, query['aggregator'])) for item in series),
        key=lambda pair: pair[1],
        reverse=limit.get('order', 'desc') == 'desc',
    )[: limit.get('count', len(series))]
    labels = [label.partition(':')[2] or label for label, _ in ranked]
    values = [value for _, value in ranked]
    colors = [_color(label, position) for position, (label, _) in enumerate(ranked)]
    axes.set_facecolor('white')
    rows = range(len(values))
    axes.barh(rows, values, color=colors)
    axes.invert_yaxis()
    # Names and values after each bar, as Datadog writes them: long names (region slugs) fit in the widget.
    for row, (label, value) in enumerate(zip(labels, values, strict=True)):
        axes.text(value, row, f' {label}  {value:,.0f}', va='center', fontsize=8)
    axes.set_yticks([])
    axes.set_xlim(0, max(values) * 1.6 or 1)
    axes.tick_params(labelsize=8)
    axes.grid(axis='x', alpha=0.3)


def _color(label, position):
    import matplotlib

    key, _, value = label.partition(':')
    if key == 'fuel' and value in FUEL_COLORS:
        return FUEL_COLORS[value]
    return matplotlib.colormaps['tab10'](position % 10)


def _instant(timestamp):
    return datetime.fromtimestamp(timestamp, UTC)
