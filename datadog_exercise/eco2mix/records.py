"""An ODRE API v2.1 `records` answer, read defensively: the list of records, and where each one sits in time.

Shared by the regional parser and the national details. Whatever the body, `load_records` returns a list or
raises FeedError, and `place` returns a placement or None with a problem noted: integers of hundreds of
digits, dates such as 9999-12-31, nesting deep enough to exhaust the stack and invalid UTF-8 are all covered.
"""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from .body import checked_body, note
from .model import FeedError
from .slots import PARIS, QUARTER_HOUR
from .values import MAX_NAMES, shown


@dataclass(frozen=True)
class Placement:
    """A record's quarter-hour: its UTC start, and its Paris day and wall-clock slot (as `odre.py` places them)."""

    start: datetime
    end: datetime
    day: date
    slot: int

    @property
    def label(self):
        """The Paris time with its UTC offset, which tells the two autumn 02:00 apart."""
        return self.start.astimezone(PARIS).isoformat(timespec='minutes')


def load_records(body, max_bytes, dataset):
    """The `results` list of an ODRE answer for `dataset`, or FeedError naming what arrived instead."""
    body = checked_body(body, max_bytes, f'ODRE JSON ({dataset})')
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError) as error:  # ValueError covers bad UTF-8 and integers past 4300 digits
        raise FeedError(f'malformed JSON ({len(body)} bytes): {str(error)[:200]}') from None
    if not isinstance(answer, dict):
        raise FeedError(f'expected an ODRE JSON object, got a {type(answer).__name__}')
    if 'error_code' in answer:
        raise FeedError(f'ODRE answered error {shown(answer["error_code"])}: {shown(answer.get("message"), 200)}')
    records = answer.get('results')
    if not isinstance(records, list):
        keys = ', '.join(shown(key) for key in list(answer)[:MAX_NAMES])
        raise FeedError(f'ODRE answer has no `results` list (keys: {keys or "none"})')
    return records


def place(record, position, problems):
    """Where `record` (a dict) sits in time, from its `date_heure`; None, with a problem noted, when nowhere."""
    text = record.get('date_heure')
    if not isinstance(text, str):
        note(problems, f'record #{position}: date_heure {shown(text)} is not an ISO 8601 date and time')
        return None
    try:
        start = datetime.fromisoformat(text)
        if start.tzinfo is None:
            note(problems, f'record #{position}: date_heure {shown(text)} has no UTC offset')
            return None
        start = start.astimezone(UTC)
        local = start.astimezone(PARIS)
        end = start + QUARTER_HOUR  # 9999-12-31T23:45Z has a start but no end
    except ValueError:
        note(problems, f'record #{position}: date_heure {shown(text)} is not an ISO 8601 date and time')
        return None
    except OverflowError:
        note(problems, f'record #{position}: date_heure {shown(text)} is out of range')
        return None
    if start.minute % 15 or start.second or start.microsecond:
        note(problems, f'record #{position}: date_heure {shown(text)} is not on a quarter-hour')
        return None
    return Placement(start, end, local.date(), (local.hour * 60 + local.minute) // 15)
