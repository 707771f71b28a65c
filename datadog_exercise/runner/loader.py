"""Find a check's code and configuration with the Agent's rules.

- Code: the Agent imports `datadog_checks.<name>` first, then `<name>` with `checks.d` on `sys.path`,
  and takes the `AgentCheck` subclass that has no subclass of its own. `__version__` is its version.
- Configuration: every `*.yaml` of `conf.d/<name>.d/` (`conf.yaml.default` only when nothing else),
  or the legacy `conf.d/<name>.yaml`; `*.example` and empty files are ignored. Each instance of each
  file becomes one check object.
"""

import importlib
import inspect
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

UNVERSIONED = 'unversioned'


class LoadError(Exception):
    """The check's code or configuration cannot be loaded; the message says which and why."""


@dataclass(frozen=True)
class CheckConfig:
    """One instance, as the Agent schedules it."""

    path: Path
    init_config: dict | None  # None when the file leaves it empty: the Agent hashes that differently from {}
    instance: dict

    @property
    def source(self):
        return f'file:{self.path}'

    def with_overrides(self, options):
        return replace(self, instance={**self.instance, **options})


@dataclass(frozen=True)
class CheckCode:
    check_class: type
    version: str


def load_check_code(name, checksd):
    """Import the check module the way the Agent does and return its check class and version."""
    from datadog_checks.base import AgentCheck

    checksd = str(Path(checksd).resolve())
    if checksd not in sys.path:
        sys.path.append(checksd)  # last, as in the Agent: any installed module of the same name wins
    errors = []
    for module_name in (f'datadog_checks.{name}', name):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name not in (module_name, 'datadog_checks'):
                raise LoadError(f'unable to import module {module_name}: {error}') from error
            errors.append(f'unable to import module {module_name}: no module named {module_name}')
            continue
        except Exception as error:
            raise LoadError(f'unable to import module {module_name}: {type(error).__name__}: {error}') from error
        check_class = _leaf_check_class(module, AgentCheck)
        if check_class is None:
            raise LoadError(
                f'unable to find a check class in the module {module_name} ({getattr(module, "__file__", "?")}): '
                f'a module of that name shadows the check, or it has no AgentCheck subclass without subclasses'
            )
        version = getattr(module, '__version__', UNVERSIONED)
        return CheckCode(check_class, str(version))
    raise LoadError(f'could not load check {name}: ' + '; '.join(errors) + f' (checks.d: {checksd})')


def _leaf_check_class(module, base):
    # Like the Agent: the first class, in name order, derived from AgentCheck with no subclass.
    for _, candidate in sorted(inspect.getmembers(module, inspect.isclass)):
        if issubclass(candidate, base) and candidate is not base and not candidate.__subclasses__():
            return candidate
    return None


def find_config_files(name, confd):
    """The configuration files the Agent would read for `name` in `confd`."""
    confd = Path(confd)
    folder = confd / f'{name}.d'
    files = []
    if folder.is_dir():
        files = sorted(p for p in folder.iterdir() if p.suffix in ('.yaml', '.yml') and p.stat().st_size)
        if not files and (folder / 'conf.yaml.default').is_file():
            files = [folder / 'conf.yaml.default']
    legacy = [confd / f'{name}{suffix}' for suffix in ('.yaml', '.yml')]
    files += [p for p in legacy if p.is_file() and p.stat().st_size]
    return files


def load_configs(name, confd=None, conf_file=None):
    """Every instance to run, from `conf_file` or from `confd`."""
    files = [Path(conf_file)] if conf_file else find_config_files(name, confd)
    if not files:
        raise LoadError(f'no valid check found: no configuration for {name} in {Path(confd) / (name + ".d")}')
    return [config for path in files for config in _read_config_file(path.resolve())]


def _read_config_file(path):
    try:
        document = yaml.safe_load(path.read_text(encoding='utf-8'))
    except OSError as error:
        raise LoadError(f'cannot read {path}: {error.strerror}') from error
    except yaml.YAMLError as error:
        raise LoadError(f'{path} is not valid YAML: {error}') from error
    if not isinstance(document, dict):
        raise LoadError(f'{path}: expected a mapping with `init_config` and `instances`')
    instances = document.get('instances')
    if not isinstance(instances, list) or not instances:
        raise LoadError(f'{path}: `instances` must be a non-empty list')
    init_config = document.get('init_config')
    if init_config is not None and not isinstance(init_config, dict):
        raise LoadError(f'{path}: `init_config` must be a mapping, got {init_config!r}')
    for position, instance in enumerate(instances, 1):
        instance = {} if instance is None else instance  # `-` followed by comments only
        if not isinstance(instance, dict):
            raise LoadError(f'{path}: instance #{position} must be a mapping, got {instance!r}')
        yield CheckConfig(path, init_config, instance)
