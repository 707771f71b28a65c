"""Find a check's code and build one check object per instance, as the Agent's check loaders do.

The Agent tries its loaders in priority order (pkg/collector/scheduler.go `getChecks`): the Core (Go)
loader first (prioritize_go_check_loader), then the Python loader. The runner has no Go checks, so the
Core loader always answers `Check <name> not found in Catalog` (pkg/collector/corechecks/loader.go).

The Python loader (pkg/collector/python/loader.go `Load`, loader_helpers.go `loadPythonCheckClass`) tries
`datadog_checks.<name>`, then `<name>` from checks.d, and keeps the first module in which rtloader's
`getClass` (rtloader/three/three.cpp) finds a check class: the first `AgentCheck` subclass, in `dir()` order,
that has no subclass of its own. Any failure of the first module (import error, no check class) moves on to
the second; when both fail, the error names both. `__version__` (a string) is the check's version.

Each instance is then configured as PythonCheck.Configure (pkg/collector/python/check.go) does it: the
reserved fields of init_config and of the instance are decoded as yaml.v2 decodes them into
integration.CommonGlobalConfig and CommonInstanceConfig, then the class is built with the new constructor
API (`name=`, `init_config=`, `instances=`) and, if that raises, once more with the deprecated one
(`agentConfig=` added).
"""

import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import yamlv2

CORE_LOADER = 'Core Check Loader'
PYTHON_LOADER = 'Python Check Loader'
UNVERSIONED = 'unversioned'
DEFAULT_INTERVAL_SECONDS = 15
INSTANCE_FIELDS = {
    'min_collection_interval': 'int',
    'empty_default_hostname': 'bool',
    'tags': 'strings',
    'service': 'string',
    'name': 'string',
    'namespace': 'string',
    'no_index': 'bool',
}


class LoadError(Exception):
    """A loader could not load the check; the message is the loader's own."""


class ConfigureError(Exception):
    """PythonCheck.Configure failed for one instance; the message is the Agent's."""


@dataclass(frozen=True)
class CheckCode:
    check_class: type
    version: str


@dataclass(frozen=True)
class Configured:
    """One check object, and what Configure set for it on the Agent's side."""

    check: object
    interval_seconds: int
    service: str
    empty_default_hostname: bool


def core_loader_error(name):
    return f'Check {name} not found in Catalog'


def load_check_code(name, checksd):
    """The check class of `name`, or LoadError with the Python loader's message."""
    from datadog_checks.checks import AgentCheck  # rtloader's base class: datadog_checks.checks.AgentCheck

    checksd = str(Path(checksd).resolve())
    if checksd not in sys.path:
        sys.path.append(checksd)  # last, as in the Agent: any installed module of the same name wins
    failures = []
    for module_name in (f'datadog_checks.{name}', name):
        try:
            module = _import(module_name)
        except (Exception, SystemExit) as error:  # rtloader reports any exception, sys.exit() included
            failures.append(
                f"unable to load python module {module_name}: unable to import module '{module_name}': "
                f'{python_error(error)}'
            )
            continue
        check_class = _check_class(module, AgentCheck)
        if check_class is None:
            failures.append(
                f'unable to load python module {module_name}: unable to find a subclass of the base check in module '
                f"'{module_name}': cannot find a subclass"
            )
            continue
        version = getattr(module, '__version__', None)
        return CheckCode(check_class, version if isinstance(version, str) else UNVERSIONED)
    raise LoadError(f'unable to load check {name}: ' + ', '.join(failures))


def _import(module_name):
    # PyImport_ImportModule: the module itself, not its top-level package.
    __import__(module_name)
    return sys.modules[module_name]


def _check_class(module, base):
    # three.cpp _findSubclassOf: dir() order, a subclass of the base, not the base, without subclasses.
    for symbol in dir(module):
        try:
            candidate = getattr(module, symbol)
        except Exception:
            continue
        is_check = isinstance(candidate, type) and issubclass(candidate, base) and candidate is not base
        if is_check and not candidate.__subclasses__():
            return candidate
    return None


def python_error(error):
    """rtloader's _fetchPythonError: the formatted traceback, or the exception's text without one.

    rtloader calls Python from C, so a traceback starts at the first Python frame of the check; the
    runner's own frames (this module) are left out to give the same text.
    """
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    if tb is None:
        return str(error) or 'unknown error'
    return ''.join(traceback.format_exception(type(error), error, tb))


def configure(code, name, instance, init_config, check_id, agent_config):
    """A configured check object for one instance, or ConfigureError with the Agent's message."""
    global_config = yamlv2.decode(init_config, {'service': 'string'}, 'integration.CommonGlobalConfig')
    if global_config.errors:
        raise ConfigureError(yamlv2.error_text(global_config.errors))
    common = yamlv2.decode(instance, INSTANCE_FIELDS, 'integration.CommonInstanceConfig')
    if common.errors:
        raise ConfigureError(yamlv2.error_text(common.errors))
    interval = common.values.get('min_collection_interval', 0)
    # The instance's service overrides init_config's; an empty one is no service (SetCheckService).
    service = common.values.get('service') or global_config.values.get('service') or ''

    # getCheck hands the check what AgentCheck.load_config reads back from the re-serialised YAML.
    arguments = {
        'name': name,
        'init_config': _load_config(init_config) or {},
        'instances': (_load_config(instance),),
    }
    try:
        check = code.check_class(**arguments)
    except (Exception, SystemExit) as new_api_error:
        try:
            check = code.check_class(**arguments, agentConfig=dict(agent_config))
        except (Exception, SystemExit) as deprecated_api_error:
            raise ConfigureError(
                f"could not invoke '{name}' python check constructor. New constructor API returned:\n"
                f'{python_error(new_api_error)}Deprecated constructor API returned:\n'
                f'{python_error(deprecated_api_error)}'
            ) from None
    check.check_id = check_id
    return Configured(
        check,
        interval if interval > 0 else DEFAULT_INTERVAL_SECONDS,
        service,
        common.values.get('empty_default_hostname', False),
    )


def _load_config(value):
    return None if value is None else yaml.safe_load(yamlv2.marshal(value))
