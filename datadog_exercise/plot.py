"""`datadog-exercise plot`: a day of France's electricity mix as a picture (matplotlib, PNG).

Production is stacked by fuel, consumption is drawn over it (the gap is the exchange balance and
pumping), and the CO2 intensity is on a second axis. The data comes from RTE, fetched as the check
fetches (one deadline and one byte cap per answer: elec_france/fetch.py), or from recorded answers
(`--replay`).
"""

from datetime import datetime, time, timedelta

from .eco2mix import xmlfeed
from .eco2mix.labels import CO2_INTENSITY, CONSUMPTION, SeriesKey
from .eco2mix.model import FeedError
from .eco2mix.slots import PARIS
from .eco2mix.snapshot import quarter_hours
from .elec_france.config import DEFAULT_TIMEOUT
from .elec_france.feeds import ECO2MIX_MIX, MAX_BYTES
from .elec_france.fetch import FetchError, get_body
from .elec_france.transport import BudgetedSession

ECO2MIX_URL = 'https://eco2mix.rte-france.com/curves/eco2mixWeb'
# Bottom to top: the steady producers first.
STACK = (
    ('nuclear', 'Nuclear', '#e8b71a'),
    ('hydro', 'Hydro', '#2b6cb0'),
    ('wind', 'Wind', '#63b3a5'),
    ('solar', 'Solar', '#f6e05e'),
    ('bioenergy', 'Bioenergy', '#48a860'),
    ('gas', 'Gas', '#e0703a'),
    ('coal', 'Coal', '#4a4a4a'),
    ('oil', 'Oil', '#8b5a3c'),
)


class PlotError(Exception):
    pass


def fetch_live(day, url=ECO2MIX_URL, timeout=DEFAULT_TIMEOUT):
    """The éCO2mix answers (mix and co2) covering `day` and the day before, from RTE: each within `timeout`
    seconds and the check's byte cap, whatever the server sends."""
    params = {'dateDeb': f'{day - timedelta(days=1):%d/%m/%Y}', 'dateFin': f'{day:%d/%m/%Y}', 'mode': 'NORM'}
    bodies = []
    with BudgetedSession() as session:
        for kind in ('mix', 'co2'):
            try:
                # bytes: RTE sends no charset
                bodies.append(get_body(session, url, {'type': kind, **params}, timeout, MAX_BYTES[ECO2MIX_MIX]))
            except FetchError as error:
                raise PlotError(f'cannot fetch éCO2mix type={kind}: {error}') from None
    return bodies


def readings(bodies):
    """Every quarter-hour of the given answers, merged: {start: {SeriesKey: value}}."""
    merged = {}
    for body in bodies:
        try:
            document = xmlfeed.parse(body)
        except FeedError as error:
            raise PlotError(f'not an éCO2mix answer: {error}') from None
        for start, values in quarter_hours(document):
            merged.setdefault(start, {}).update(values)
    return merged


def window(merged, day=None):
    """The quarter-hours to draw: the Paris day `day`, or the 24 hours up to the latest complete one."""
    complete = sorted(start for start, values in merged.items() if all(SeriesKey(f) in values for f, _, _ in STACK))
    if not complete:
        raise PlotError('no quarter-hour has every fuel published')
    if day is not None:
        start = datetime.combine(day, time(), tzinfo=PARIS)
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=PARIS)
    else:
        end = complete[-1] + timedelta(minutes=15)
        start = end - timedelta(hours=24)
    chosen = [instant for instant in complete if start <= instant < end]
    if not chosen:
        raise PlotError(f'no complete quarter-hour between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} Paris')
    return chosen


def draw(merged, starts, output, title=None):
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    times = [start.astimezone(PARIS) for start in starts]
    figure, axis = plt.subplots(figsize=(12, 6.5), dpi=110)
    stacks = [[merged[start][SeriesKey(fuel)] / 1000 for start in starts] for fuel, _, _ in STACK]
    axis.stackplot(
        times, stacks, labels=[label for _, label, _ in STACK], colors=[color for _, _, color in STACK], alpha=0.9
    )
    consumption = [merged[start].get(CONSUMPTION) for start in starts]
    axis.plot(
        times,
        [value / 1000 if value is not None else None for value in consumption],
        color='black',
        linewidth=2,
        label='Consumption',
    )
    axis.set_ylabel('GW')
    axis.set_ylim(0, max(sum(column) for column in zip(*stacks, strict=True)) * 1.2)  # room for the legend
    axis.xaxis.set_major_formatter(mdates.DateFormatter('%H:%M', tz=PARIS))
    axis.grid(alpha=0.3)
    co2 = [merged[start].get(CO2_INTENSITY) for start in starts]
    if any(value is not None for value in co2):
        right = axis.twinx()
        right.plot(times, co2, color='#c53030', linestyle='--', linewidth=1.5, label='CO2 intensity')
        right.set_ylabel('gCO2/kWh', color='#c53030')
        right.set_ylim(0, max(value for value in co2 if value is not None) * 2.5)
        right.legend(loc='upper right', frameon=False)
    first, last = times[0], times[-1] + timedelta(minutes=15)
    axis.set_title(title or f"France's electricity mix, {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} (Paris time)")
    axis.legend(loc='upper left', ncol=5, frameon=False, fontsize=9)
    figure.text(
        0.01, 0.01, 'Source: RTE eCO2mix (production by fuel, consumption, CO2 intensity)', fontsize=8, color='#555555'
    )
    figure.tight_layout()
    figure.savefig(output)
    plt.close(figure)
    return output
