"""Recorded answers as RTE and ODRE had published them at an earlier instant.

A recording holds every quarter-hour up to its `date_actuelle`. To replay a day the way an Agent
running through it would have seen it, the answer at instant T shows only the quarter-hours published
by T: the others are written `ND`, as the feed writes a value it has not published yet, and
`date_actuelle` says when that answer was generated. Each quarter-hour is taken to be published as
long after its start as the recording's latest one (its `date_actuelle` minus that quarter-hour's start).

ODRE's records (`OdreRecords`) are published ODRE_LAG after their quarter-hour starts; the answer at T is
the latest of them published by T, newest first, as many as the request's `limit`.
"""

import json
from datetime import UTC, datetime, timedelta

from lxml import etree

from ..eco2mix import odre, xmlfeed
from ..eco2mix.reading import Tally
from ..eco2mix.slots import QUARTER_HOUR, as_date
from ..eco2mix.snapshot import latest_snapshot

ODRE_LAG = timedelta(minutes=75)  # ODRE republishes éCO2mix's figures an hour or two later

# The body has been through the hardened parser first; this one only rewrites it.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
NOT_PUBLISHED = 'ND'


class Recording:
    def __init__(self, body):
        self.body = body
        self.document = xmlfeed.parse(body)
        self._days = {day.date: day for day in self.document.days}
        self._answers = {}  # latest published quarter-hour start -> body

    @property
    def generated_at(self):
        return self.document.generated_at

    def publication_delay(self):
        """From the start of the latest complete quarter-hour to the answer's generation; None when unknown."""
        latest = latest_snapshot(self.document)
        if latest is None or self.generated_at is None:
            return None
        return self.generated_at - latest.start

    def answer_at(self, instant, delay):
        """The answer RTE would have sent at `instant`: only the quarter-hours published by then."""
        published = (instant - delay).timestamp()
        latest_start = datetime.fromtimestamp(published - published % QUARTER_HOUR.total_seconds(), UTC)
        if latest_start not in self._answers:
            self._answers[latest_start] = self._as_published(latest_start, latest_start + delay)
        return self._answers[latest_start]

    def _as_published(self, latest_start, generated_at):
        root = etree.fromstring(self.body, _PARSER)
        root.find('date_actuelle').text = f'{generated_at:%Y-%m-%d %H:%M:%S}'
        for element in root.iterchildren(xmlfeed.DAY_TAG):
            day = self._days[as_date(element.get('date'))]
            for value in element.iter('valeur'):
                start = day.slot_start(int(value.get('periode')))
                if start is None or start > latest_start:
                    value.text = NOT_PUBLISHED
        return etree.tostring(root, xml_declaration=True, encoding='UTF-8')


class OdreRecords:
    """Every record of a period (an ODRE answer, or a collection of more than an answer holds), answered as ODRE
    had them at an instant."""

    def __init__(self, body):
        records = json.loads(body)['results']
        self._records = sorted(
            (
                (start, record)
                for position, record in enumerate(records)
                if record.get('consommation') is not None
                and (start := odre.record_start(record, position, Tally())) is not None
            ),
            key=lambda item: item[0],
            reverse=True,
        )

    @property
    def first_published(self):
        """When the first quarter-hour of the records was out."""
        return self._records[-1][0] + ODRE_LAG

    def answer_at(self, instant, limit):
        """The `limit` latest records published by `instant`, newest first, as `where=consommation is not null`
        and `order_by=date_heure desc` ask."""
        published = [record for start, record in self._records if start + ODRE_LAG <= instant][:limit]
        return json.dumps({'total_count': len(published), 'results': published}, ensure_ascii=False).encode()
