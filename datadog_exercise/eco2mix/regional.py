"""Parse ODRE's regional real-time records (`eco2mix-regional-tr`, API v2.1): one typed record per region and
quarter-hour. Pure: bytes in, records out; FeedError and nothing else, for any byte string.

A region is known by its INSEE code (`code_insee_region`), translated once, in REGIONS, into a stable ASCII
slug; a code the table does not know is counted and named, never turned into a tag. Each record sits at the
instant its `date_heure` says, with its UTC offset: unlike a national day's slot grid, both autumn 02:00-02:45
quarter-hours are kept (same wall clock, different instants), and the spring change has no gap to fill.

A region's quarter-hour is usable when its consumption is published; a fuel that is null or absent is
absent (regions without a fuel publish null or 0 for it). A value that is not a number, or is outside its
plausible range (plausible.REGIONAL_RANGES), refuses the whole quarter-hour, with a problem naming it: the
region's figures are shown together, as a mix, and a mix with a fuel missing would mislead.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from .body import MAX_BYTES
from .odre import record_start, records, value_of
from .plausible import REGIONAL_RANGES, is_plausible_regional
from .reading import Tally, shown
from .slots import PARIS, QUARTER_HOUR


class Region(NamedTuple):
    slug: str
    name: str  # `libelle_region` as ODRE writes it


# INSEE code -> region: the twelve metropolitan regions of the dataset (Corsica, 94, is not in it).
REGIONS = {
    '11': Region('ile_de_france', 'Île-de-France'),
    '24': Region('centre_val_de_loire', 'Centre-Val de Loire'),
    '27': Region('bourgogne_franche_comte', 'Bourgogne-Franche-Comté'),
    '28': Region('normandie', 'Normandie'),
    '32': Region('hauts_de_france', 'Hauts-de-France'),
    '44': Region('grand_est', 'Grand Est'),
    '52': Region('pays_de_la_loire', 'Pays de la Loire'),
    '53': Region('bretagne', 'Bretagne'),
    '75': Region('nouvelle_aquitaine', 'Nouvelle-Aquitaine'),
    '76': Region('occitanie', 'Occitanie'),
    '84': Region('auvergne_rhone_alpes', 'Auvergne-Rhône-Alpes'),
    '93': Region('provence_alpes_cote_d_azur', "Provence-Alpes-Côte d'Azur"),
}
SLUGS = tuple(region.slug for region in REGIONS.values())

# ODRE field -> fuel. `thermique` is gas, coal and oil together: the regional dataset has no split per fuel.
FUELS = {
    'nucleaire': 'nuclear',
    'thermique': 'thermal',
    'hydraulique': 'hydro',
    'eolien': 'wind',
    'solaire': 'solar',
    'bioenergies': 'bioenergy',
}
CONSUMPTION = 'consommation'
EXCHANGE = 'ech_physiques'  # the region's physical balance: positive when it imports, as nationally
PUMPING = 'pompage'  # negative in the feed: power drawn by pumped-storage pumps
SERIES = {**FUELS, CONSUMPTION: 'consumption', EXCHANGE: 'exchange', PUMPING: 'pumping'}  # field -> range name

# Fields the dataset carries that are not reported per region (batteries and the wind split are national).
_KNOWN_FIELDS = frozenset(
    {
        'code_insee_region',
        'libelle_region',
        'nature',
        'date',
        'heure',
        'date_heure',
        'stockage_batterie',
        'destockage_batterie',
        'eolien_terrestre',
        'eolien_offshore',
        *SERIES,
    }
)
# Coverage rates (`tco_*`), load factors (`tch_*`) and the unnamed columns ODRE adds at times (`column_68`).
_IGNORED_FIELD = re.compile(r'(tco_|tch_)[a-z_]{1,40}|column_[0-9]{1,4}')


@dataclass(frozen=True)
class RegionalQuarterHour:
    """One region's published figures for one quarter-hour, in MW."""

    region: str  # a slug of REGIONS
    start: datetime  # UTC
    production: Mapping[str, float]  # fuel -> MW, only the fuels published
    consumption: float
    exchange_balance: float | None  # positive when the region imports
    pumping: float | None  # power drawn by pumped storage, positive

    @property
    def end(self):
        return self.start + QUARTER_HOUR


@dataclass(frozen=True)
class RegionalAnswer:
    quarter_hours: tuple[RegionalQuarterHour, ...]  # in (start, region) order
    unknown_regions: Tally = field(default_factory=Tally, compare=False)  # records of regions not in REGIONS
    unknown_fields: Tally = field(default_factory=Tally, compare=False)  # fields neither read nor known to be ignored
    problems: Tally = field(default_factory=Tally, compare=False)  # values that could not be used

    def latest(self):
        """The latest usable quarter-hour of each region present: {slug: RegionalQuarterHour}."""
        return {quarter_hour.region: quarter_hour for quarter_hour in self.quarter_hours}


def parse(body, max_bytes=MAX_BYTES):
    """Parse a `records` answer of `eco2mix-regional-tr`. Raises FeedError, and nothing else, for anything
    that is not one."""
    unknown_regions, unknown_fields, problems = Tally(), Tally(), Tally()
    quarter_hours = {}
    for position, record in enumerate(records(body, max_bytes, 'ODRE JSON (eco2mix-regional-tr)')):
        if not isinstance(record, dict):
            problems.add(f'record #{position} is not an object')
            continue
        for name in record:
            if name not in _KNOWN_FIELDS and not _IGNORED_FIELD.fullmatch(name):
                unknown_fields.add(shown(name))
        region = _region_of(record)
        if region is None:
            unknown_regions.add(_region_name(record))
            continue
        start = record_start(record, position, problems)
        if start is None:
            continue
        where = f'{region.slug} {start.astimezone(PARIS).isoformat(timespec="minutes")}'
        values, refused = _values(record, where, problems)
        if refused or CONSUMPTION not in values:
            continue  # refused, or not published yet: ODRE lists the rest of the day with nulls
        key = (start, region.slug)
        if key in quarter_hours:
            problems.add(f'{where}: the quarter-hour appears twice; the first one is used')
            continue
        quarter_hours[key] = RegionalQuarterHour(
            region=region.slug,
            start=start,
            production={fuel: values[name] for name, fuel in FUELS.items() if name in values},
            consumption=values[CONSUMPTION],
            exchange_balance=values.get(EXCHANGE),
            pumping=0.0 - values[PUMPING] if PUMPING in values else None,  # 0.0 - x: no pumping is 0, not -0
        )
    return RegionalAnswer(
        quarter_hours=tuple(quarter_hours[key] for key in sorted(quarter_hours)),
        unknown_regions=unknown_regions,
        unknown_fields=unknown_fields,
        problems=problems,
    )


def _region_of(record):
    code = record.get('code_insee_region')
    if isinstance(code, int) and not isinstance(code, bool) and 0 <= code < 100:
        code = str(code)
    return REGIONS.get(code.strip()) if isinstance(code, str) else None


def _region_name(record):
    code, name = record.get('code_insee_region'), record.get('libelle_region')
    return f'{shown(code)} ({shown(name)})' if isinstance(name, str) else shown(code)


def _values(record, where, problems):
    """({field: value} of the values published, whether one was unreadable or implausible), problems noted."""
    values = {}
    refused = False
    for name, series in SERIES.items():
        value, why = value_of(record.get(name))
        if why:
            problems.add(f'{where}: {name} {why}: quarter-hour refused')
            refused = True
        elif value is None:
            continue
        elif not is_plausible_regional(series, value):
            low, high = REGIONAL_RANGES[series]
            problems.add(
                f'{where}: {name} {value:g} is outside its plausible range ({low} to {high}): quarter-hour refused'
            )
            refused = True
        else:
            values[name] = value
    return values, refused
