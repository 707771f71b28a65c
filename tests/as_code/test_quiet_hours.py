"""The quiet-hours downtime: its body, and the minutes its recurrences silence, checked one by one."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from datadog_exercise.as_code.downtimes import quiet_hours
from datadog_exercise.as_code.wire import wire_body

MINUTE = timedelta(minutes=1)

# Clock changes in zones of both hemispheres, early on a Sunday, and Santiago's at midnight.
CLOCK_CHANGES = [
    pytest.param('Europe/Paris', datetime(2025, 3, 30, 2), id='Paris-forward'),  # 02:00 -> 03:00
    pytest.param('Europe/Paris', datetime(2025, 10, 26, 3), id='Paris-back'),  # 03:00 -> 02:00
    pytest.param('America/New_York', datetime(2025, 3, 9, 2), id='New_York-forward'),
    pytest.param('America/New_York', datetime(2025, 11, 2, 2), id='New_York-back'),
    pytest.param('Australia/Sydney', datetime(2025, 4, 6, 3), id='Sydney-back'),
    pytest.param('Australia/Sydney', datetime(2025, 10, 5, 2), id='Sydney-forward'),
    pytest.param('America/Santiago', datetime(2025, 4, 6, 0), id='Santiago-back'),  # Saturday 24:00 -> 23:00
    pytest.param('America/Santiago', datetime(2025, 9, 7, 0), id='Santiago-forward'),
]


def recurrences_of(body):
    return body['data']['attributes']['schedule']['recurrences']


def silenced_minutes(body, timezone, until, elapsed):
    """UTC minutes (as datetimes) that the recurrences cover up to the naive local time `until`.

    Datadog does not document whether a duration spanning a clock change counts elapsed hours or
    wall-clock hours: `elapsed` picks one, and the schedule must be right under both.
    """
    zone = ZoneInfo(timezone)
    minutes = set()
    for recurrence in recurrences_of(body):
        first = datetime.fromisoformat(recurrence['start'])
        lasts = timedelta(hours=int(recurrence['duration'].removesuffix('h')))
        for start in rrulestr(recurrence['rrule'], dtstart=first).between(first, until, inc=True):
            begin = start.replace(tzinfo=zone).astimezone(UTC)
            end = begin + lasts if elapsed else (start + lasts).replace(tzinfo=zone).astimezone(UTC)
            minute = begin
            while minute < end:
                minutes.add(minute)
                minute += MINUTE
    return minutes


def meant_to_be_silenced(minute, zone):
    """19:00-09:00 on weekdays, and all of Saturday and Sunday (so Monday 00:00-09:00 too)."""
    local = minute.astimezone(zone)
    return not (local.weekday() < 5 and 9 <= local.hour < 19)


@pytest.mark.parametrize('elapsed', [True, False], ids=['elapsed-hours', 'wall-clock-hours'])
@pytest.mark.parametrize(('timezone', 'clock_change'), CLOCK_CHANGES)
def test_silences_exactly_the_intended_minutes_over_two_weeks_around_a_clock_change(timezone, clock_change, elapsed):
    zone = ZoneInfo(timezone)
    now = (clock_change - timedelta(days=21)).replace(tzinfo=zone)
    body = wire_body(quiet_hours('@alice@example.com', timezone, now), 'downtime')
    window_start = datetime.combine(clock_change.date() - timedelta(days=7), datetime.min.time())
    window_end = window_start + timedelta(days=14)
    assert all(datetime.fromisoformat(item['start']) < window_start for item in recurrences_of(body))

    silenced = silenced_minutes(body, timezone, window_end, elapsed)

    minute = window_start.replace(tzinfo=zone).astimezone(UTC)
    end = window_end.replace(tzinfo=zone).astimezone(UTC)
    wrong = []
    while minute < end:
        if (minute in silenced) != meant_to_be_silenced(minute, zone):
            wrong.append(minute.astimezone(zone).isoformat())
        minute += MINUTE
    assert wrong == []


def test_quiet_hours_body():
    now = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)  # a Wednesday

    assert wire_body(quiet_hours('@alice@example.com', 'Europe/Paris', now), 'downtime') == {
        'data': {
            'type': 'downtime',
            'attributes': {
                'monitor_identifier': {'monitor_tags': ['managed_by:datadog-exercise', 'monitor:my_metric']},
                'scope': '*',
                'schedule': {
                    'timezone': 'Europe/Paris',
                    'recurrences': [
                        {
                            'rrule': 'FREQ=WEEKLY;BYDAY=SU,MO,TU,WE,TH',
                            'start': '2025-03-12T19:00:00',
                            'duration': '14h',
                        },
                        {'rrule': 'FREQ=WEEKLY;BYDAY=FR', 'start': '2025-03-14T19:00:00', 'duration': '49h'},
                    ],
                },
                'display_timezone': 'Europe/Paris',
                'message': 'Quiet hours: the my_metric monitor is silenced from 19:00 to 09:00 on weekdays and all '
                'weekend (Europe/Paris). Monitors still alerting when a quiet period ends notify then. '
                '@alice@example.com',
                'notify_end_states': ['alert', 'warn', 'no data'],
                'notify_end_types': ['expired', 'canceled'],
            },
        }
    }


def first_starts(timezone, now):
    return [item['start'] for item in recurrences_of(wire_body(quiet_hours('@ops', timezone, now), 'downtime'))]


def test_first_starts_are_the_next_ones_in_the_downtimes_time_zone():
    # 22:30 UTC on Wednesday is 18:30 in New York: tonight's 19:00 is still ahead there.
    assert first_starts('America/New_York', datetime(2025, 3, 12, 22, 30, tzinfo=UTC)) == [
        '2025-03-12T19:00:00',
        '2025-03-14T19:00:00',
    ]
    # ... and 23:30 in Paris, where the next night to start is Thursday's.
    assert first_starts('Europe/Paris', datetime(2025, 3, 12, 22, 30, tzinfo=UTC)) == [
        '2025-03-13T19:00:00',
        '2025-03-14T19:00:00',
    ]


def test_a_start_less_than_a_minute_away_moves_to_the_next_night():
    # The API refuses a start in the past: 18:59:30 leaves no time for the request to arrive.
    now = datetime(2025, 3, 12, 18, 59, 30, tzinfo=ZoneInfo('Europe/Paris'))

    assert first_starts('Europe/Paris', now)[0] == '2025-03-13T19:00:00'
