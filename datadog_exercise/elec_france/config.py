"""The `elec_france` instance options, validated once into named values."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from datadog_checks.base import ConfigurationError

ECO2MIX_URL = 'https://eco2mix.rte-france.com/curves/eco2mixWeb'
ODRE_URL = 'https://odre.opendatasoft.com/api/explore/v2.1/catalog/datasets/eco2mix-national-tr/records'
SOURCES = ('auto', 'eco2mix', 'odre')
CLOCKS = ('host', 'document')
DEFAULT_MAX_DATA_AGE = 7200
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Config:
    eco2mix_url: str
    odre_url: str
    source: str
    co2: bool
    max_data_age: int  # seconds
    timeout: float  # seconds, for the whole answer
    tags: tuple[str, ...]
    clock: str


def parse_config(instance):
    config = Config(
        eco2mix_url=_url(instance, 'eco2mix_url', ECO2MIX_URL),
        odre_url=_url(instance, 'odre_url', ODRE_URL),
        source=_choice(instance, 'source', SOURCES),
        co2=_boolean(instance, 'co2', True),
        max_data_age=_positive(instance, 'max_data_age', DEFAULT_MAX_DATA_AGE, int),
        timeout=float(_positive(instance, 'timeout', DEFAULT_TIMEOUT, (int, float))),
        tags=_tags(instance),
        clock=_choice(instance, 'clock', CLOCKS),
    )
    if config.clock == 'document' and config.source != 'eco2mix':
        raise ConfigurationError(
            f'`clock: document` needs `source: eco2mix` (only éCO2mix documents carry their generation time), '
            f'got `source: {config.source}`'
        )
    return config


def _url(instance, key, default):
    value = instance.get(key, default)
    if not isinstance(value, str) or urlsplit(value).scheme not in ('http', 'https') or not urlsplit(value).netloc:
        raise ConfigurationError(f'`{key}` must be an http(s) URL, got {value!r}')
    return value


def _choice(instance, key, choices):
    value = instance.get(key, choices[0])
    if value not in choices:
        raise ConfigurationError(f'`{key}` must be one of {", ".join(choices)}, got {value!r}')
    return value


def _boolean(instance, key, default):
    value = instance.get(key, default)
    if not isinstance(value, bool):
        raise ConfigurationError(f'`{key}` must be true or false, got {value!r}')
    return value


def _positive(instance, key, default, kind):
    value = instance.get(key, default)
    if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
        expected = 'a whole number of seconds' if kind is int else 'a number of seconds'
        raise ConfigurationError(f'`{key}` must be {expected} greater than 0, got {value!r}')
    return value


def _tags(instance):
    tags = instance.get('tags', [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ConfigurationError(f'`tags` must be a list of strings, got {tags!r}')
    return tuple(tags)
