"""What the check keeps between runs, in the Agent's persistent cache (so a restart does not refetch)."""

import json
from dataclasses import dataclass
from datetime import datetime

from datadog_exercise.eco2mix.labels import SeriesKey
from datadog_exercise.eco2mix.model import Snapshot

FORMAT = 1


@dataclass(frozen=True)
class FetchState:
    snapshot: Snapshot | None = None
    as_of: datetime | None = None  # generation time of the document the snapshot came from, when known
    co2: tuple[datetime, float] | None = None  # latest CO2 intensity reading: (quarter-hour start, gCO2/kWh)
    co2_fetched_at: float | None = None  # host clock, epoch seconds
    next_fetch_at: float = 0.0  # host clock, epoch seconds
    failures: int = 0  # consecutive failed attempts
    last_error: str | None = None

    def to_json(self):
        return json.dumps(
            {
                'format': FORMAT,
                'snapshot': _snapshot_to_dict(self.snapshot) if self.snapshot else None,
                'as_of': self.as_of.isoformat() if self.as_of else None,
                'co2': [self.co2[0].isoformat(), self.co2[1]] if self.co2 else None,
                'co2_fetched_at': self.co2_fetched_at,
                'next_fetch_at': self.next_fetch_at,
                'failures': self.failures,
                'last_error': self.last_error,
            },
            separators=(',', ':'),
        )

    @classmethod
    def from_json(cls, text):
        """The saved state, or a fresh one when there is none or it cannot be read (it is only a cache)."""
        try:
            saved = json.loads(text)
            if saved.get('format') != FORMAT:
                return cls()
            snapshot = saved['snapshot']
            co2 = saved['co2']
            return cls(
                snapshot=_snapshot_from_dict(snapshot) if snapshot else None,
                as_of=datetime.fromisoformat(saved['as_of']) if saved['as_of'] else None,
                co2=(datetime.fromisoformat(co2[0]), float(co2[1])) if co2 else None,
                co2_fetched_at=saved['co2_fetched_at'],
                next_fetch_at=float(saved['next_fetch_at']),
                failures=int(saved['failures']),
                last_error=saved['last_error'],
            )
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            return cls()


def _snapshot_to_dict(snapshot):
    return {
        'feed': snapshot.feed,
        'start': snapshot.start.isoformat(),
        'values': [[key.series, key.technology, value] for key, value in snapshot.values.items()],
    }


def _snapshot_from_dict(saved):
    values = {SeriesKey(series, technology): float(value) for series, technology, value in saved['values']}
    return Snapshot(saved['feed'], datetime.fromisoformat(saved['start']), values)
