"""The comparison of éCO2mix with ODRE inside the check (`cross_check`). Pure functions of the windows kept between
runs (state.Verification), the answers of this run and the host clock.

No request of its own: the windows are filled from the answers the check fetches anyway: éCO2mix's at each
quarter-hour (the mix) and half-hour (CO2), ODRE's once an hour (the same request as the borders', or the
fallback's). The comparison is made again at each run from the windows, so the ODRE side of it changes at
most once an hour.
"""

from dataclasses import dataclass, replace

from datadog_exercise.eco2mix.consistency import (
    ECO2MIX_WINDOW,
    MIX_COMPARED,
    ODRE_SERIES,
    ODRE_WINDOW,
    compare,
    diagnose,
    unknown_rows,
    window,
)
from datadog_exercise.eco2mix.labels import CO2_INTENSITY
from datadog_exercise.eco2mix.slots import PARIS, QUARTER_HOUR

from . import feeds
from .policy import latest_acceptable

MAX_MESSAGE = 2000  # characters of the service check's message

OK = 'ok'
WARNING = 'warning'
UNKNOWN = 'unknown'


@dataclass(frozen=True)
class Verdict:
    """What `elec_france.feed_consistency` says (OK, WARNING or UNKNOWN, and why), and the number of series that
    differ in the comparison (None when there is none to make: no gauge is sent)."""

    status: str
    message: str
    mismatches: int | None = None


OFF = Verdict(UNKNOWN, 'cross-checking is off (`cross_check: false`)')


def updated(verification, answers, now):
    """`verification` with the windows of this run's answers ({feed: parsed answer}: feeds.ECO2MIX_MIX,
    ECO2MIX_CO2 and ODRE are read) in place of the ones held, and nothing that ends after the host's clock.

    ODRE's window is replaced only by one at least as recent: its fallback answers and its hourly ones are the
    same request, any of them will do."""
    until = latest_acceptable(now)
    changes = {
        'eco2mix': _within(verification.eco2mix, until),
        'co2': _within(verification.co2, until),
        'odre': _within(verification.odre, until),
    }
    if (document := answers.get(feeds.ODRE)) is not None:
        odre = window(document, ODRE_SERIES, ODRE_WINDOW, until)
        if odre and (not changes['odre'] or odre[-1][0] >= changes['odre'][-1][0]):
            changes['odre'] = odre
    if (document := answers.get(feeds.ECO2MIX_MIX)) is not None:
        changes['eco2mix'] = window(document, MIX_COMPARED, ECO2MIX_WINDOW, until)
        changes['unknown'] = unknown_rows(document, [start for start, _ in changes['eco2mix']])
    if (document := answers.get(feeds.ECO2MIX_CO2)) is not None:
        changes['co2'] = window(document, (CO2_INTENSITY,), ECO2MIX_WINDOW, until)
    return replace(verification, **changes)


def comparison(verification):
    """The latest quarter-hour both feeds published, compared series by series, or None (eco2mix/consistency.py)."""
    return compare(verification.eco2mix, verification.co2, verification.odre)


def diagnosis(verification):
    """What each unknown éCO2mix row most likely is, as lines (eco2mix/consistency.py)."""
    return diagnose(verification.unknown, verification.odre)


def verdict(verification):
    """The service check's status and message, and the mismatches gauge, from the windows."""
    compared = comparison(verification)
    lines = diagnosis(verification)
    if compared is None:
        status, mismatches = UNKNOWN, None
        said = [f'no quarter-hour published by both éCO2mix and ODRE yet ({_span(verification)})']
    else:
        mismatches = len(compared.mismatches)
        if not mismatches:
            # An OK service check carries no message (the Agent's rule): unknown rows are said in the run's warnings.
            return Verdict(OK, '', 0)
        status = WARNING
        said = [compared.message()]
    return Verdict(status, _bounded('; '.join([*said, *lines])), mismatches)


def _within(window_held, until):
    return tuple((start, values) for start, values in window_held if start + QUARTER_HOUR <= until)


def _span(verification):
    def latest(name, held):
        return f'{name} up to {held[-1][0].astimezone(PARIS):%Y-%m-%d %H:%M} Paris' if held else f'{name} none'

    return f'{latest("éCO2mix", verification.eco2mix)}, {latest("ODRE", verification.odre)}'


def _bounded(text):
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + '...'
