"""The `elec_france` instance options, validated once into named values.

Every option is checked for type, finiteness and range here, so that nothing fails later in a fetch:
an error names the option, what was expected and what it got (a URL without its userinfo).
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from urllib.parse import unquote, urlsplit, urlunsplit

from datadog_checks.base import ConfigurationError

from datadog_exercise.eco2mix.labels import TARGETS, override_code
from datadog_exercise.eco2mix.model import MAX_LABEL_TEXT
from datadog_exercise.eco2mix.reading import feed_instant, in_range, shown
from datadog_exercise.eco2mix.regional import SLUGS

from .feeds import Endpoint
from .fetch import without_userinfo

ECO2MIX_URL = 'https://eco2mix.rte-france.com/curves/eco2mixWeb'
ODRE_URL = 'https://odre.opendatasoft.com/api/explore/v2.1/catalog/datasets/eco2mix-national-tr/records'
ODRE_REGIONAL_URL = 'https://odre.opendatasoft.com/api/explore/v2.1/catalog/datasets/eco2mix-regional-tr/records'
MARKET_URL = 'https://eco2mix.rte-france.com/curves/getDonneesMarche'
ALL_REGIONS = 'all'
SOURCES = ('auto', 'eco2mix', 'odre')
CLOCKS = ('host', 'document')
DEFAULT_MAX_DATA_AGE = 7200
MAX_DATA_AGE = 7 * 24 * 3600  # a week: older data is history, not current production
DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 60.0  # a run makes up to four fetches; each ends within its timeout + 1 s
MAX_URL = 2048
MAX_OVERRIDES = 50  # rows a user remaps; the table itself knows about 40
MAX_CODE = 20  # characters of a `granularite` code (RTE's are three letters)


@dataclass(frozen=True)
class Config:
    eco2mix: Endpoint
    odre: Endpoint
    odre_regional: Endpoint
    market: Endpoint
    source: str
    co2: bool
    forecasts: bool  # the consumption forecasts of the reported quarter-hour (in the same answers)
    grid_details: bool  # borders, batteries, onshore/offshore wind: ODRE, once an hour
    prices: bool  # day-ahead prices: RTE's market feed, once a day
    regions: tuple[str, ...]  # region slugs: ODRE's regional dataset, once an hour; () when off
    cross_check: bool  # compare éCO2mix with ODRE (the same hourly ODRE request as grid_details)
    label_overrides: Mapping  # {(XML label, labels.override_code(granularite)): SeriesKey}, read before the table
    max_data_age: int  # seconds
    timeout: float  # seconds, for the whole answer
    tags: tuple[str, ...]
    clock: object  # 'host', 'document', or a fixed instant (an aware datetime): a replay run as at its recording


def parse_config(instance):
    config = Config(
        eco2mix=_endpoint(instance, 'eco2mix_url', ECO2MIX_URL),
        odre=_endpoint(instance, 'odre_url', ODRE_URL),
        odre_regional=_endpoint(instance, 'odre_regional_url', ODRE_REGIONAL_URL),
        market=_endpoint(instance, 'market_url', MARKET_URL),
        source=_choice(instance, 'source', SOURCES),
        co2=_boolean(instance, 'co2', True),
        forecasts=_boolean(instance, 'forecasts', True),
        grid_details=_boolean(instance, 'grid_details', True),
        prices=_boolean(instance, 'prices', True),
        regions=_regions(instance),
        cross_check=_boolean(instance, 'cross_check', instance.get('source', 'auto') == 'auto'),
        label_overrides=_label_overrides(instance),
        max_data_age=_seconds(instance, 'max_data_age', DEFAULT_MAX_DATA_AGE, MAX_DATA_AGE, whole=True),
        timeout=float(_seconds(instance, 'timeout', DEFAULT_TIMEOUT, MAX_TIMEOUT, whole=False)),
        tags=_tags(instance),
        clock=_clock(instance),
    )
    if config.clock == 'document' and config.source != 'eco2mix':
        raise ConfigurationError(
            f'`clock: document` needs `source: eco2mix` (only éCO2mix documents carry their generation time), '
            f'got `source: {config.source}`'
        )
    if config.cross_check and config.source == 'odre':
        raise ConfigurationError(
            '`cross_check` compares éCO2mix with ODRE: with `source: odre` éCO2mix is never read; '
            'set `source: auto` (or `eco2mix`), or `cross_check: false`'
        )
    return config


def _endpoint(instance, key, default):
    value = instance.get(key, default)
    expected = f'`{key}` must be an http(s) URL'
    if not isinstance(value, str):
        raise ConfigurationError(f'{expected}, got {shown(value)}')
    if len(value) > MAX_URL or not value.isprintable() or any(character.isspace() for character in value):
        raise ConfigurationError(f'{expected} of at most {MAX_URL} printable characters, got {_shown_url(value)}')
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError as error:
        raise ConfigurationError(f'{expected}, got {_shown_url(value)} ({error})') from None
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise ConfigurationError(f'{expected}, got {_shown_url(value)}')
    auth = None
    if parts.username is not None:
        auth = (unquote(parts.username), unquote(parts.password or ''))
    return Endpoint(urlunsplit(parts._replace(netloc=parts.netloc.rpartition('@')[2])), auth)


def _shown_url(value):
    return shown(without_userinfo(value), 120)


def _choice(instance, key, choices):
    value = instance.get(key, choices[0])
    if not isinstance(value, str) or value not in choices:
        raise ConfigurationError(f'`{key}` must be one of {", ".join(choices)}, got {shown(value)}')
    return value


def _clock(instance):
    """`host`, `document`, or a fixed instant: an ISO 8601 date and time with its UTC offset (YAML may give it as a
    timestamp), which the check takes for now at every run."""
    value = instance.get('clock', CLOCKS[0])
    if isinstance(value, str) and value in CLOCKS:
        return value
    instant = None
    if isinstance(value, datetime) and value.tzinfo is not None and in_range(value):
        instant = value.astimezone(UTC)
    elif isinstance(value, str):
        instant, _ = feed_instant(value)
    if instant is None:
        raise ConfigurationError(
            f'`clock` must be one of {", ".join(CLOCKS)}, or a date and time with its UTC offset '
            f'(e.g. 2023-09-22T00:21:09+00:00: a replay run as at its recording), got {shown(value)}'
        )
    return instant


def _boolean(instance, key, default):
    value = instance.get(key, default)
    if not isinstance(value, bool):
        raise ConfigurationError(f'`{key}` must be true or false, got {shown(value)}')
    return value


def _regions(instance):
    """`all`, or a list of region slugs (each once); absent, null or an empty list is off."""
    value = instance.get('regions')
    if value is None or value == ALL_REGIONS:
        return SLUGS if value else ()
    if isinstance(value, list) and all(isinstance(slug, str) and slug in SLUGS for slug in value):
        return tuple(dict.fromkeys(value))
    wrong = [slug for slug in value if slug not in SLUGS] if isinstance(value, list) else None
    got = f'{shown(wrong[0])}, not a region' if wrong else shown(value)
    raise ConfigurationError(
        f'`regions` must be `{ALL_REGIONS}` or a list of regions among {", ".join(SLUGS)}; got {got}'
    )


def _seconds(instance, key, default, maximum, whole):
    value = instance.get(key, default)
    kind = int if whole else (int, float)
    # Integers are exact and finite whatever their size; a float must be finite (YAML has .nan and .inf).
    valid = isinstance(value, kind) and not isinstance(value, bool)
    if valid and isinstance(value, float):
        valid = math.isfinite(value)
    if not valid or not 0 < value <= maximum:
        expected = 'a whole number of seconds' if whole else 'a number of seconds'
        raise ConfigurationError(
            f'`{key}` must be {expected} greater than 0 and at most {maximum:g}, got {shown(value)}'
        )
    return value


def _tags(instance):
    tags = instance.get('tags', [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ConfigurationError(f'`tags` must be a list of strings, got {shown(tags)}')
    return tuple(tags)


def _label_overrides(instance):
    """{(label, code): SeriesKey} from `label_overrides`: a mapping from an XML label to a series name (its total
    row), or to a mapping from `granularite` codes to series names (its breakdown rows)."""
    value = instance.get('label_overrides')
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, dict):
        raise ConfigurationError(
            '`label_overrides` must map éCO2mix labels to a series, or to {granularite code: series}, '
            f'got {shown(value)}'
        )
    overrides = {}
    for label, target in value.items():
        if not isinstance(label, str) or not 0 < len(label) <= MAX_LABEL_TEXT or not label.isprintable():
            raise ConfigurationError(
                f'`label_overrides`: {shown(label)} is not an éCO2mix label '
                f'(text of 1 to {MAX_LABEL_TEXT} printable characters)'
            )
        codes = target if isinstance(target, dict) and target else {None: target}
        for code, series in codes.items():
            if codes is target and (
                not isinstance(code, str) or not 0 < len(code) <= MAX_CODE or not code.isprintable()
            ):
                raise ConfigurationError(
                    f'`label_overrides`: {shown(label)} has {shown(code)} as a granularite code '
                    f'(text of 1 to {MAX_CODE} printable characters expected)'
                )
            overrides[(label, override_code(code))] = _override_target(label, code, series)
            if len(overrides) > MAX_OVERRIDES:
                raise ConfigurationError(f'`label_overrides` may remap at most {MAX_OVERRIDES} rows')
    return MappingProxyType(overrides)


def _override_target(label, code, series):
    key = TARGETS.get(series) if isinstance(series, str) else None
    if key is None:
        row = shown(label) if code is None else f'{shown(label)} ({shown(code, MAX_CODE)})'
        raise ConfigurationError(
            f'`label_overrides` maps {row} to {shown(series)}, which is not a series this check reads from éCO2mix; '
            f'use one of {_targets()}'
        )
    return key


def _targets():
    """The series an override may name, a breakdown's qualifiers grouped: `hydro.run_of_river|lake|pumped_storage`."""
    grouped = {}
    for key in TARGETS.values():
        grouped.setdefault((key.series, key.qualifier is None), []).append(key.qualifier)
    return ', '.join(
        series if total else f'{series}.{"|".join(sorted(names))}' for (series, total), names in grouped.items()
    )
