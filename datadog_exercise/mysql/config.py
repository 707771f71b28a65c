"""The Agent's `conf.d/mysql.d/conf.yaml`: what setup writes and what verify reads back."""

import contextlib
import grp
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import MysqlError

DEFAULT_CONFD = '/etc/datadog-agent/conf.d'
AGENT_GROUP = 'dd-agent'
MODE = 0o640  # it holds a password: the Agent's group reads it, nobody else


def config_path(confd):
    return Path(confd) / 'mysql.d' / 'conf.yaml'


@dataclass(frozen=True)
class AgentConfig:
    host: str
    port: int
    username: str
    password: str = field(repr=False)


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


def read(path):
    """The first instance of an existing config, or None when there is no file."""
    import yaml

    try:
        document = yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
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
    return AgentConfig(**values)


def agent_group():
    """The Agent's group when this host has one, else None."""
    try:
        grp.getgrnam(AGENT_GROUP)
    except KeyError:
        return None
    return AGENT_GROUP


def write(path, text, group):
    """Write atomically with mode 0640, and the group `group` unless it is None."""
    path = Path(path)
    path.parent.mkdir(exist_ok=True)
    temporary = path.with_name(f'.{path.name}.tmp')
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    # Created 0600, so that the password is never readable by others, even for a moment.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, 'w') as stream:
        stream.write(text)
    if group is not None:
        shutil.chown(temporary, group=group)
    os.chmod(temporary, MODE)
    temporary.replace(path)
