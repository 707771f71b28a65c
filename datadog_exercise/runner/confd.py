"""Which configuration files count, read as the Agent's file config provider reads conf.d.

Follows comp/core/autodiscovery/providers/config_reader.go (`read`, `collectDir`, `collectEntry`,
`GetIntegrationConfigFromFile`):

- conf.d is read in name order: `<name>.yaml`/`.yml` at its root, and every `*.yaml`/`*.yml` of a
  `<name>.d/` folder; a file ending in `.default` after that (`conf.yaml.default`, `auto_conf.yaml.default`, ...)
  is a default, used only when no regular file of that check was valid; `metrics.yaml` and logs-only files
  are not checks; empty files are skipped;
- a file that is not valid YAML, or holds no instance (and no `logs`/`jmx_metrics`), is a config error for
  its check (`Configuration file contains no valid instances`); a later valid file of the same check clears it;
- each file is one configuration, whose instances are the check objects to build.

Then the `check` command takes configurations as Autodiscovery schedules them until it has
`--discovery-min-instances` (1 by default) of them (cmd/agent/common/autodiscovery.go waitForConfigsFromAD):
with two files in `<name>.d/`, the first file's instances only.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import yamlv2

NO_INSTANCES = 'Configuration file contains no valid instances'
# The typed fields of config_reader.go's configFormat, as yaml.v2 decodes a file into it.
_CONFIG_FIELDS = {
    'ad_identifiers': 'strings',
    'cluster_check': 'bool',
    'instances': 'maps',
    'docker_images': 'strings',
    'ignore_autodiscovery_tags': 'bool',
    'check_tag_cardinality': 'string',
}


@dataclass(frozen=True)
class IntegrationConfig:
    """One configuration file of one check, as integration.Config."""

    name: str
    path: Path
    init_config: object  # None when absent: the Agent hashes that differently from {}
    instances: tuple[dict, ...]
    ad_identifiers: tuple[str, ...] = ()

    @property
    def source(self):
        return f'file:{self.path}'


@dataclass
class Confd:
    """Every configuration and every config error found in a conf.d folder."""

    configs: list[IntegrationConfig] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def scheduled(self, name, min_instances=1):
        """The configurations the `check` command runs for `name`: the first `min_instances` of them.

        Template configurations (`ad_identifiers`) wait for a container or service to match: on a host
        with no Autodiscovery listener, as here, they are never scheduled.
        """
        ready = [c for c in self.configs if c.name == name and not c.ad_identifiers]
        return ready[: max(1, min_instances)]


def read_confd(confd):
    """Every configuration of every check in `confd`, and the config errors by check name."""
    scan = Confd()
    defaults, named = [], set()
    try:
        entries = sorted(os.scandir(confd), key=lambda entry: entry.name)
    except OSError:
        return scan
    for entry in entries:
        if entry.is_dir():
            if not entry.name.endswith('.d'):
                continue
            folder_configs, folder_defaults = _read_folder(Path(entry.path), entry.name[:-2], scan.errors)
            defaults += folder_defaults
            scan.configs += folder_configs
            if folder_configs:
                named.add(folder_configs[0].name)
            continue
        config, is_default = _read_entry(Path(entry.path), None, scan.errors)
        if config is None:
            continue
        if is_default:
            defaults.append(config)
        else:
            scan.configs.append(config)
            named.add(config.name)
    scan.configs += [config for config in defaults if config.name not in named]
    return scan


def read_file(name, path):
    """The configuration in one file given on the command line (`--conf`), as if it were in conf.d."""
    scan = Confd()
    config, _ = _read_entry(Path(path), name, scan.errors, keep_extension=True)
    if config is not None:
        scan.configs.append(config)
    return scan


def _read_folder(folder, name, errors):
    configs, defaults = [], []
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return configs, defaults
    for entry in entries:
        if entry.is_dir():
            continue
        config, is_default = _read_entry(Path(entry.path), name, errors)
        if config is not None:
            (defaults if is_default else configs).append(config)
    return configs, defaults


def _read_entry(path, name, errors, keep_extension=False):
    """collectEntry: (config or None, whether it is a default)."""
    file_name = path.name
    is_default = file_name.endswith('.default')
    stem = file_name.removesuffix('.default') if is_default else file_name
    extension = os.path.splitext(stem)[1]
    if extension not in ('.yaml', '.yml') and not keep_extension:
        return None, False
    name = name or stem[: -len(extension)]
    if file_name in ('metrics.yaml', 'metrics.yml'):
        return None, False  # JMX metric definitions, not a check configuration
    try:
        content = path.read_bytes()
    except OSError as error:
        errors[name] = f'open {path}: {(error.strerror or str(error)).lower()}'
        return None, False
    if not content:
        return None, False
    try:
        node = yaml.compose(content, Loader=yaml.SafeLoader)
        document = yaml.safe_load(content)
    except yaml.YAMLError as error:
        errors[name] = _yaml_error(error)
        return None, False
    problems = yamlv2.node_errors(node, _CONFIG_FIELDS, 'providers.configFormat')
    if problems:
        errors[name] = yamlv2.error_text(problems)
        return None, False
    document = document or {}
    instances = document.get('instances')
    if not instances and document.get('logs') is None and document.get('jmx_metrics') is None:
        errors[name] = NO_INSTANCES
        return None, False
    errors.pop(name, None)
    if not instances:
        return None, False  # logs or JMX metrics only: not a check to run
    ad_identifiers = document.get('ad_identifiers') or ()
    config = IntegrationConfig(
        name,
        path.resolve(),
        document.get('init_config'),
        tuple({} if instance is None else instance for instance in instances),
        tuple(ad_identifiers),
    )
    return config, is_default


def _yaml_error(error):
    # yaml.v2's syntax errors read `yaml: line N: <problem>`; the problem is told in PyYAML's words.
    mark = getattr(error, 'problem_mark', None)
    problem = getattr(error, 'problem', None) or str(error)
    return f'yaml: line {mark.line + 1}: {problem}' if mark else f'yaml: {problem}'
