"""`random_number`: the exercise's custom Agent check.

Each run submits the gauge `my_metric`, an integer drawn uniformly from
`[min, max]` (both ends included; defaults 0 and 1000).

This module is self-contained (the standard library and `datadog_checks.base`
only) so that it can be dropped as a single file into the Agent's `checks.d/`.
"""

import random

from datadog_checks.base import AgentCheck, ConfigurationError

__version__ = '1.0.0'

DEFAULT_MIN = 0
DEFAULT_MAX = 1000


class RandomNumberCheck(AgentCheck):
    def __init__(self, name, init_config, instances):
        super().__init__(name, init_config, instances)
        # Validated before the first run, so that a wrong value is reported as an
        # [ERROR] run with its message instead of a check that fails to load.
        self.check_initializations.append(self._load_config)
        # The generator is an attribute so that tests can seed it.
        self.rng = random.Random()

    def _load_config(self):
        self.low = _integer_option('min', self.instance, self.init_config, DEFAULT_MIN)
        self.high = _integer_option('max', self.instance, self.init_config, DEFAULT_MAX)
        if self.low > self.high:
            raise ConfigurationError(
                f'`min` ({self.low}) is greater than `max` ({self.high}): '
                f'set `min` <= `max`; the check does not swap them'
            )
        tags = self.instance.get('tags', [])
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise ConfigurationError(f'`tags` must be a list of strings, got {tags!r}')
        self.tags = tags

    def check(self, _):
        self.gauge('my_metric', self.rng.randint(self.low, self.high), tags=self.tags)


def _integer_option(key, instance, init_config, default):
    """Read `key` from the instance, else from `init_config`, else `default`; it must be an integer."""
    for section, options in (('instance', instance), ('init_config', init_config or {})):
        if key in options:
            value = options[key]
            # bool is a subclass of int: `min: true` must not become 1.
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigurationError(
                    f'`{key}` in {section} must be an integer, got {value!r} ({type(value).__name__})'
                )
            return value
    return default
