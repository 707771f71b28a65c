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

import itertools
import operator
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import yamlv2

NO_INSTANCES = 'Configuration file contains no valid instances'
# Bounds the runner sets on a configuration file (the Agent reads any size): its bytes, the nesting of its
# flow collections (a YAML scanner slows down with the square of it), and its nodes once aliases are expanded
# (yaml.v2 likewise refuses `excessive aliasing` and an anchor that contains itself).
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 100
MAX_NODES = 100_000
_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b'[]{}')))
_STEP = {ord('['): 1, ord('{'): 1, ord(']'): -1, ord('}'): -1}
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
        return ready[:min_instances]


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
        with path.open('rb') as config_file:
            content = config_file.read(MAX_BYTES + 1)
    except OSError as error:
        errors[name] = f'open {path}: {(error.strerror or str(error)).lower()}'
        return None, False
    if not content:
        return None, False
    problem, document = _parse(path, content)
    if problem:
        errors[name] = problem
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


def _parse(path, content):
    """(problem, document): the file's YAML, or why it is not a configuration the Agent would take."""
    if len(content) > MAX_BYTES:
        return f'{path} is larger than {MAX_BYTES} bytes', None
    if _flow_depth(content) > MAX_DEPTH:
        return f'{path} nests deeper than {MAX_DEPTH} levels', None
    loader = _LOADER(content)
    try:
        node = loader.get_single_node()
        problems = _alias_problems(node) or yamlv2.node_errors(node, _CONFIG_FIELDS, 'providers.configFormat')
        if problems:
            return problems if isinstance(problems, str) else yamlv2.error_text(problems), None
        return None, loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        return _yaml_error(error), None
    except RecursionError:
        return f'{path} nests deeper than Python can read', None
    finally:
        loader.dispose()


def _flow_depth(content):
    """The deepest nesting of [ and { (an upper bound: brackets inside quoted strings count too)."""
    brackets = content.translate(None, _NOT_BRACKETS)
    if brackets.count(b'[') + brackets.count(b'{') <= MAX_DEPTH:
        return 0 if not brackets else min(MAX_DEPTH, len(brackets))
    # depth after each bracket = running sum minus the lowest running sum so far, 0 included
    sums = list(itertools.accumulate(map(_STEP.__getitem__, brackets)))
    floors = itertools.islice(itertools.accumulate(sums, min, initial=0), 1, None)
    return max(map(operator.sub, sums, floors))


def _alias_problems(root):
    """Why the document cannot be expanded, or None: it refers to itself, or its aliases expand past MAX_NODES."""
    expanded, on_path, stack = 0, set(), [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            on_path.discard(id(node))
            continue
        if id(node) in on_path:
            return 'yaml: anchor value contains itself'
        expanded += 1
        if expanded > MAX_NODES:
            return 'yaml: document contains excessive aliasing'
        if isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            continue
        on_path.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children)
    return None


def _yaml_error(error):
    # yaml.v2's syntax errors read `yaml: line N: <problem>`; the problem is told in PyYAML's words.
    mark = getattr(error, 'problem_mark', None)
    problem = getattr(error, 'problem', None) or str(error)
    return f'yaml: line {mark.line + 1}: {problem}' if mark else f'yaml: {problem}'
