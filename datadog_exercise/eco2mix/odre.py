"""Parse an ODRE open-data answer (dataset `eco2mix-national-tr`, API v2.1) into the same records as the XML.

ODRE republishes the éCO2mix figures as one JSON record per quarter-hour, about an hour later.
Each record is placed on the Paris day and wall-clock slot of its `date_heure`, so that both feeds
give the same days, series and slots.
"""

import json
from datetime import UTC, datetime

from .body import MAX_BYTES, MISSING, checked_body, note
from .labels import ODRE_FIELDS, ODRE_IGNORED
from .model import ODRE, Day, Document, FeedError, MappedSeries, to_number
from .slots import PARIS


def parse(body, max_bytes=MAX_BYTES):
    """Parse an ODRE `records` answer. Raises FeedError, and nothing else, for anything that is not one."""
    records = _records(body, max_bytes)
    problems = []
    slots_by_day = {}
    unknown = set()
    for position, record in enumerate(records):
        if not isinstance(record, dict):
            note(problems, f'record #{position} is not an object')
            continue
        start = _start_of(record, position, problems)
        if start is None:
            continue
        local = start.astimezone(PARIS)
        slot = (local.hour * 60 + local.minute) // 15
        day_slots = slots_by_day.setdefault(local.date(), {})
        if slot in day_slots:  # the repeated autumn hour: its first occurrence, as in the XML
            continue
        day_slots[slot] = record
        unknown.update(name for name in record if name not in ODRE_FIELDS and name not in ODRE_IGNORED)
    days = tuple(Day(day, _series(slots_by_day[day], problems)) for day in sorted(slots_by_day))
    return Document(feed=ODRE, days=days, unknown_labels=unknown, problems=problems)


def _records(body, max_bytes):
    body = checked_body(body, max_bytes, 'ODRE JSON')
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise FeedError(f'malformed JSON ({len(body)} bytes): {error}') from None
    if not isinstance(answer, dict):
        raise FeedError(f'expected an ODRE JSON object, got a {type(answer).__name__}')
    if 'error_code' in answer:
        raise FeedError(f'ODRE answered error {answer.get("error_code")}: {answer.get("message")}')
    records = answer.get('results')
    if not isinstance(records, list):
        raise FeedError(f'ODRE answer has no `results` list (keys: {", ".join(sorted(map(str, answer)))})')
    return records


def _start_of(record, position, problems):
    text = record.get('date_heure')
    try:
        start = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        note(problems, f'record #{position}: date_heure {text!r} is not an ISO 8601 date and time')
        return None
    if start.tzinfo is None:
        note(problems, f'record #{position}: date_heure {text!r} has no UTC offset')
        return None
    start = start.astimezone(UTC)
    if start.minute % 15 or start.second or start.microsecond:
        note(problems, f'record #{position}: date_heure {text!r} is not on a quarter-hour')
        return None
    return start


def _series(records_by_slot, problems):
    values = {key: {} for key in ODRE_FIELDS.values()}
    for slot, record in records_by_slot.items():
        for name, key in ODRE_FIELDS.items():
            raw = record.get(name)
            if raw is None or (isinstance(raw, str) and raw.strip() in MISSING):
                continue
            value = None if isinstance(raw, bool) else to_number(raw)
            if value is None:
                note(problems, f'slot {slot}: {name} {str(raw)[:40]!r} is not a number')
                continue
            values[key][slot] = value
    present = frozenset(records_by_slot)
    return {key: MappedSeries(slot_values, present) for key, slot_values in values.items() if slot_values}
