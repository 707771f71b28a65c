"""The Agent's `conf.d/mysql.d/conf.yaml`: what setup writes and what verify reads back."""

import grp
from dataclasses import dataclass, field
from pathlib import Path

from ..agent_files import AgentFolder, Owner, UnsafePath
from . import MysqlError

DEFAULT_CONFD = '/etc/datadog-agent/conf.d'
RELATIVE_PATH = 'mysql.d/conf.yaml'
AGENT_GROUP = 'dd-agent'
MODE = 0o640  # it holds a password: the Agent's group reads it, nobody else


class UnsafeConfig(MysqlError):
    """The config's name is a link or not a regular file: never read or written, even with --force."""


def config_path(confd):
    return Path(confd) / RELATIVE_PATH


@dataclass(frozen=True)
class AgentConfig:
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    # options.extra_performance_metrics, read as the Agent reads it; what setup writes is always on
    extra_performance_metrics: bool = True


def render(config):
    import yaml

    # A double-quoted YAML scalar with escapes, whatever characters the password holds.
    password = yaml.safe_dump(config.password, default_style='"', width=float('inf')).strip()
    return f"""\
# Written by `datadog-exercise mysql setup`: the Agent's mysql check logs in as {config.username!r}.
# mysql.performance.cpu_time is only collected when the Agent runs on the database host and connects
# to 127.0.0.1 (not `localhost`). Check it with: sudo -u dd-agent datadog-agent check mysql
init_config:

instances:
  - host: {config.host}
    port: {config.port}
    username: {config.username}
    password: {password}
    options:
      replication: false
      extra_status_metrics: true
      extra_innodb_metrics: true
      # performance_schema: mysql.performance.query_run_time.avg and the 95th percentile digest time
      extra_performance_metrics: true
      # off: a heavy query on servers with many tables
      schema_size_metrics: false
"""


def read(confd):
    """The first instance of an existing config, or None when there is no file.

    conf.d belongs to the Agent's user: a link there is refused, never followed (see agent_files).
    """
    import yaml
    from datadog_checks.base.config import is_affirmative

    path = config_path(confd)
    try:
        content = AgentFolder(confd).read(RELATIVE_PATH)
        if content is None:
            return None
        document = yaml.safe_load(content.decode())
    except UnsafePath as error:
        raise UnsafeConfig(str(error)) from None
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise MysqlError(f'cannot read {path}: {error}; fix it, or pass --force to setup to rewrite it') from None
    instances = document.get('instances') if isinstance(document, dict) else None
    if not (isinstance(instances, list) and instances and isinstance(instances[0], dict)):
        raise MysqlError(f'{path} has no instance under `instances:`; fix it, or pass --force to setup to rewrite it')
    instance = instances[0]
    values = {
        'host': instance.get('host', 'localhost'),
        'port': instance.get('port', 3306),
        'username': instance.get('username', instance.get('user')),
        'password': instance.get('password', instance.get('pass')),
    }
    for key, expected, kind in (
        ('host', str, 'a string'),
        ('port', int, 'an integer'),
        ('username', str, 'a string'),
        ('password', str, 'a string'),
    ):
        value = values[key]
        if value is None:
            raise MysqlError(
                f'{path}: the first instance has no `{key}`; fix it, or pass --force to setup to rewrite it'
            )
        if not isinstance(value, expected) or isinstance(value, bool):
            shown = type(value).__name__ if key == 'password' else repr(value)  # never the password itself
            raise MysqlError(f'{path}: `{key}` in the first instance must be {kind}, got {shown}')
    options = instance.get('options') or {}
    if not isinstance(options, dict):
        raise MysqlError(f'{path}: `options` in the first instance must be a mapping, got {options!r}')
    # As integrations-core mysql reads it: is_affirmative(options.get('extra_performance_metrics', False))
    return AgentConfig(**values, extra_performance_metrics=is_affirmative(options.get('extra_performance_metrics')))


def agent_group():
    """The Agent's group when this host has one, else None."""
    try:
        grp.getgrnam(AGENT_GROUP)
    except KeyError:
        return None
    return AGENT_GROUP


def write(confd, text, group):
    """Write mysql.d/conf.yaml atomically, mode 0640 with the group `group` (unless None) set before it appears;
    never through a link (see agent_files)."""
    owner = Owner.group(group) if group is not None else None
    try:
        AgentFolder(confd).write(RELATIVE_PATH, text.encode(), MODE, owner)
    except UnsafePath as error:
        raise UnsafeConfig(str(error)) from None
