"""How old `elec_france.data.age` may grow: the band a healthy feed stays in, and where the monitor speaks.

`data.age` is the time since the END of the quarter-hour the check reports. eCO2mix publishes a quarter-hour
about 20 minutes after it STARTS, so about 5 minutes after it ends, and the check asks for the next one
PUBLICATION_LAG (22 minutes) after that next one starts, which is 22 minutes after the reported one ends.
A healthy age therefore climbs from about 5 to about 22 minutes (plus up to one run interval) and drops
back every quarter-hour. Past PUBLICATION_LAG + one quarter-hour (37 minutes), a publication was missed:
the feed is late. The ODRE fallback is 1 to 2 hours behind.

The monitor follows the check's `max_data_age`: beyond it the check no longer reports production as
current (the boards go blank and the check warns), so that is where the monitor warns; it alerts at three
times that, when both feeds have been silent for hours (2 and 6 hours with the shipped configuration).
"""

from dataclasses import dataclass

import yaml

from ..eco2mix.slots import QUARTER_HOUR
from ..elec_france.policy import PUBLICATION_LAG
from .errors import AsCodeError

ALERT_FACTOR = 3


@dataclass(frozen=True)
class Freshness:
    late: int  # seconds: a publication was missed
    warning: int  # seconds: the check's max_data_age
    alert: int  # seconds

    @classmethod
    def from_max_data_age(cls, max_data_age):
        late = int((PUBLICATION_LAG + QUARTER_HOUR).total_seconds())
        if max_data_age <= late:
            raise AsCodeError(
                f'max_data_age {max_data_age} s is not above {late} s, the age at which a healthy feed is '
                'merely late: the monitor would warn on every missed publication. Give a larger value.'
            )
        return cls(late=late, warning=max_data_age, alert=ALERT_FACTOR * max_data_age)


class ConfigurationFileError(AsCodeError):
    """The elec_france configuration could not give a max_data_age; the message names the file."""


def max_data_age_of(path):
    """The `max_data_age` the instances of the elec_france configuration at `path` share (the check's rules)."""
    from datadog_checks.base import ConfigurationError

    from ..elec_france.config import parse_config

    try:
        document = yaml.safe_load(path.read_text(encoding='utf-8')) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigurationFileError(f'cannot read {path}: {error}') from None
    instances = document.get('instances') if isinstance(document, dict) else None
    if not isinstance(instances, list) or not instances:
        raise ConfigurationFileError(f'{path} has no instances: pass --max-data-age')
    ages = set()
    for instance in instances:
        try:
            ages.add(parse_config(instance if isinstance(instance, dict) else {}).max_data_age)
        except ConfigurationError as error:
            raise ConfigurationFileError(f'{path}: {error}') from None
    if len(ages) > 1:
        raise ConfigurationFileError(
            f'the instances of {path} disagree on max_data_age ({", ".join(map(str, sorted(ages)))}): '
            'pass --max-data-age'
        )
    return ages.pop()


def in_words(seconds):
    """`7200` -> '2 hours', `5400` -> '90 minutes', `61` -> '61 seconds': how messages state a threshold."""
    for unit, size in (('hour', 3600), ('minute', 60), ('second', 1)):
        if seconds % size == 0:
            count = seconds // size
            return f'{count} {unit}{"s" if count != 1 else ""}'
