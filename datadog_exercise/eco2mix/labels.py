"""The one translation table from RTE's French labels to the domain's names.

A series is identified by a `SeriesKey`: the series name and its qualifier: for a fuel's
sub-technology rows the technology, for a commercial exchange the border, for a consumption
forecast its horizon; `None` for a total (`granularite='Global'`). Totals are never rebuilt from
sub-rows: RTE's sub-rows do not always add up to the published total.

A user can add to the table without a release (`label_overrides`): `xml_row` looks a row up in their
overrides first, then in the table; the parser is given the overrides, so it stays a pure function.
"""

import functools
from collections.abc import Mapping
from typing import NamedTuple

from .reading import shown


class SeriesKey(NamedTuple):
    series: str
    qualifier: str | None = None


FUELS = ('nuclear', 'coal', 'gas', 'oil', 'hydro', 'wind', 'solar', 'bioenergy')
RENEWABLE_FUELS = ('hydro', 'wind', 'solar', 'bioenergy')
LOW_CARBON_FUELS = (*RENEWABLE_FUELS, 'nuclear')

PUMPING = SeriesKey('pumping')
EXCHANGE = SeriesKey('exchange')
CONSUMPTION = SeriesKey('consumption')
CO2_INTENSITY = SeriesKey('co2_intensity')

# A quarter-hour is published in full when every one of these has a value.
CORE_SERIES = (*(SeriesKey(fuel) for fuel in FUELS), PUMPING, EXCHANGE, CONSUMPTION)

# Consumption forecasts, made the day before and during the day: both feeds publish them for every
# quarter-hour of the day, ahead of time.
FORECASTS = (SeriesKey('consumption_forecast', 'day_ahead'), SeriesKey('consumption_forecast', 'intraday'))

# What only ODRE publishes nationally: the commercial exchange per border (positive when France imports,
# as the physical balance; published every half-hour), the batteries, and wind split by technology.
BORDERS = ('gb', 'es', 'it', 'ch', 'de_be')
COMMERCIAL_EXCHANGES = tuple(SeriesKey('commercial_exchange', border) for border in BORDERS)
BATTERY_CHARGING = SeriesKey('battery_charging')  # negative in the feed: power drawn
BATTERY_DISCHARGING = SeriesKey('battery_discharging')
WIND_SPLIT = (SeriesKey('wind', 'onshore'), SeriesKey('wind', 'offshore'))
DETAIL_SERIES = (*COMMERCIAL_EXCHANGES, BATTERY_CHARGING, BATTERY_DISCHARGING, *WIND_SPLIT)

# `v` attribute of the XML feed -> series.
XML_SERIES = {
    'Nucléaire': 'nuclear',
    'Charbon': 'coal',
    'Gaz': 'gas',
    'Fioul': 'oil',  # heating oil, not "fuel"
    'Hydraulique': 'hydro',
    'Eolien': 'wind',
    'Solaire': 'solar',
    'Autres': 'bioenergy',
    'Bioénergies': 'bioenergy',
    'Pompage': 'pumping',  # negative in the feed: power drawn by the pumps
    'Solde': 'exchange',  # positive: France imports
    'Consommation': 'consumption',
    'Taux de Co2': 'co2_intensity',  # gCO2/kWh, from `type=co2`
}

# `v` attribute of the forecast rows (total rows only), in both spellings seen.
XML_FORECASTS = {
    'PrévisionJ-1': FORECASTS[0],
    'Prévision J-1': FORECASTS[0],
    'PrévisionJ': FORECASTS[1],
    'Prévision J': FORECASTS[1],
}

# Labels the feed is known to carry and the check does not report: not worth a warning.
XML_IGNORED = frozenset({'Pointe', 'Fioul + Pointe'})

XML_TOTAL_ROW = 'Global'

# `granularite` codes of each fuel's breakdown rows -> the `technology` tag. Only these become tags:
# a code the table does not know is an unknown row, so a feed cannot mint metric series.
XML_TECHNOLOGIES = {
    'hydro': {'FEE': 'run_of_river', 'LAC': 'lake', 'STT': 'pumped_storage'},
    'gas': {'TAC': 'tac', 'COG': 'cog', 'CCG': 'ccg', 'AUT': 'aut'},
    'oil': {'TAC': 'tac', 'COG': 'cog', 'AUT': 'aut'},
    'bioenergy': {'DEC': 'dec', 'BMA': 'bma', 'BGA': 'bga'},
}
BREAKDOWN_SERIES = frozenset(
    SeriesKey(series, technology) for series, codes in XML_TECHNOLOGIES.items() for technology in codes.values()
)

# ODRE open-data fields -> the same keys, so that both feeds report the same metrics.
ODRE_FIELDS = {
    'nucleaire': SeriesKey('nuclear'),
    'charbon': SeriesKey('coal'),
    'gaz': SeriesKey('gas'),
    'fioul': SeriesKey('oil'),
    'hydraulique': SeriesKey('hydro'),
    'eolien': SeriesKey('wind'),
    'solaire': SeriesKey('solar'),
    'bioenergies': SeriesKey('bioenergy'),
    'pompage': PUMPING,
    'ech_physiques': EXCHANGE,
    'consommation': CONSUMPTION,
    'taux_co2': CO2_INTENSITY,
    'hydraulique_fil_eau_eclusee': SeriesKey('hydro', 'run_of_river'),
    'hydraulique_lacs': SeriesKey('hydro', 'lake'),
    'hydraulique_step_turbinage': SeriesKey('hydro', 'pumped_storage'),
    'gaz_tac': SeriesKey('gas', 'tac'),
    'gaz_cogen': SeriesKey('gas', 'cog'),
    'gaz_ccg': SeriesKey('gas', 'ccg'),
    'gaz_autres': SeriesKey('gas', 'aut'),
    'fioul_tac': SeriesKey('oil', 'tac'),
    'fioul_cogen': SeriesKey('oil', 'cog'),
    'fioul_autres': SeriesKey('oil', 'aut'),
    'bioenergies_dechets': SeriesKey('bioenergy', 'dec'),
    'bioenergies_biomasse': SeriesKey('bioenergy', 'bma'),
    'bioenergies_biogaz': SeriesKey('bioenergy', 'bga'),
    'prevision_j1': FORECASTS[0],
    'prevision_j': FORECASTS[1],
    'ech_comm_angleterre': SeriesKey('commercial_exchange', 'gb'),
    'ech_comm_espagne': SeriesKey('commercial_exchange', 'es'),
    'ech_comm_italie': SeriesKey('commercial_exchange', 'it'),
    'ech_comm_suisse': SeriesKey('commercial_exchange', 'ch'),
    'ech_comm_allemagne_belgique': SeriesKey('commercial_exchange', 'de_be'),
    'stockage_batterie': BATTERY_CHARGING,
    'destockage_batterie': BATTERY_DISCHARGING,
    'eolien_terrestre': WIND_SPLIT[0],
    'eolien_offshore': WIND_SPLIT[1],
}


# ODRE fields that are not series.
ODRE_IGNORED = frozenset({'perimetre', 'nature', 'date', 'heure', 'date_heure'})


# Every series a snapshot can hold.
KNOWN_SERIES = frozenset({*CORE_SERIES, CO2_INTENSITY, *BREAKDOWN_SERIES, *FORECASTS, *DETAIL_SERIES})


# What an override may map an XML row to: every series the XML's rows are read as (totals, breakdowns,
# forecasts, CO2), named as `series` or `series.qualifier` (`exchange`, `hydro.run_of_river`).
XML_TARGETS = frozenset({*CORE_SERIES, CO2_INTENSITY, *FORECASTS, *BREAKDOWN_SERIES})


def target_name(key):
    """How configuration and messages name a series: `series`, or `series.qualifier`."""
    return key.series if key.qualifier is None else f'{key.series}.{key.qualifier}'


TARGETS = {target_name(key): key for key in sorted(XML_TARGETS, key=target_name)}

# How a row of the XML is read.
KNOWN = 'known'  # by the table
OVERRIDDEN = 'overridden'  # by the user's label_overrides
IGNORED = 'ignored'  # a label the feed is known to carry and the check does not report
UNKNOWN = 'unknown'

# What a series is, in words (the drift diagnosis says what an unknown row most likely is).
DESCRIPTIONS = {
    'nuclear': 'nuclear production',
    'coal': 'coal production',
    'gas': 'gas production',
    'oil': 'oil production',
    'hydro': 'hydro production',
    'wind': 'wind production',
    'solar': 'solar production',
    'bioenergy': 'bioenergy production',
    'pumping': 'the pumped-storage pumping',
    'exchange': 'the exchange balance',
    'consumption': 'the consumption',
    'co2_intensity': 'the CO2 intensity',
    'consumption_forecast': 'a consumption forecast',
    'commercial_exchange': 'a commercial exchange',
    'battery_charging': 'the batteries charging',
    'battery_discharging': 'the batteries discharging',
}


def describe(key):
    """A series in words: `the exchange balance`, `hydro production (run_of_river)`."""
    words = DESCRIPTIONS.get(key.series, key.series)
    return words if key.qualifier is None else f'{words} ({key.qualifier})'


def row_name(label, granularity):
    """An XML row as messages name it: its label, and its breakdown code when it has one (both quoted, truncated)."""
    if override_code(granularity) is None:
        return shown(label)
    return f'{shown(label)} ({shown(granularity, 10)})'


def override_code(granularity):
    """The code under which an override of a row with this `granularite` is looked up: None for a total row."""
    return None if granularity in (None, '', XML_TOTAL_ROW) else granularity.upper()


def xml_row(label, granularity, overrides: Mapping | None = None):
    """(how the row is read: KNOWN, OVERRIDDEN, IGNORED or UNKNOWN, its key or None) for an XML `<type v=...
    granularite=...>` row. `overrides` maps (label, override_code(granularite)) to a key of XML_TARGETS."""
    if overrides and isinstance(label, str):
        key = overrides.get((label, override_code(granularity)))
        if key is not None:
            return OVERRIDDEN, key
    key = xml_series_key(label, granularity)
    if key is not None:
        return KNOWN, key
    return (IGNORED if label in XML_IGNORED else UNKNOWN), None


@functools.lru_cache(maxsize=256)
def xml_series_key(label, granularity):
    """The key of an XML `<type v=... granularite=...>` row, or None for a row the tables do not know."""
    total = granularity in (None, '', XML_TOTAL_ROW)
    if label in XML_FORECASTS:
        return XML_FORECASTS[label] if total else None
    series = XML_SERIES.get(label)
    if series is None:
        return None
    if total:
        return SeriesKey(series)
    technology = XML_TECHNOLOGIES.get(series, {}).get(granularity.upper())
    return SeriesKey(series, technology) if technology else None


def feed_label(feed, key):
    """The feed's own name of a series, for messages: its ODRE field, or its (first) XML label."""
    if feed == 'odre':
        return next((field for field, known in ODRE_FIELDS.items() if known == key), None)
    if key.qualifier is not None:
        return next((label for label, known in XML_FORECASTS.items() if known == key), None)
    return next((label for label, series in XML_SERIES.items() if series == key.series), None)
