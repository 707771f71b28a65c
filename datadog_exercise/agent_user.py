"""Who runs the Agent's own programs (its pip, its python, `datadog-agent check`)."""

import os
import pwd
from dataclasses import dataclass


@dataclass(frozen=True)
class AgentUser:
    """As root, the Agent's user, as Datadog's guides do it (`sudo -Hu dd-agent .../embedded/bin/pip install`,
    `sudo -u dd-agent datadog-agent check`): the Agent's package gives /opt/datadog-agent to dd-agent, so files
    that root put there would be root's (and break `datadog-agent integration install`), root would be running
    programs that dd-agent may change, and a check run as root is not the check the Agent runs. Otherwise (no
    such user, or not root), this process's own user.
    """

    name: str | None = None
    uid: int = -1
    gid: int = -1
    home: str = '/'

    @classmethod
    def of(cls, owner):
        if os.geteuid() != 0:
            return cls()
        try:
            entry = pwd.getpwnam(owner)
        except KeyError:
            return cls()
        return cls(entry.pw_name, entry.pw_uid, entry.pw_gid, entry.pw_dir)

    @property
    def as_text(self):
        return f' (as {self.name})' if self.name else ''

    def subprocess_options(self):
        if self.name is None:
            return {}
        # sudo -H: the user's own HOME, its groups, and an environment reduced to what pip needs.
        kept = {name: value for name, value in os.environ.items() if name in KEPT_VARIABLES or name.startswith('PIP_')}
        return {
            'user': self.uid,
            'group': self.gid,
            'extra_groups': os.getgrouplist(self.name, self.gid),
            'env': {**kept, 'HOME': self.home, 'USER': self.name, 'LOGNAME': self.name},
            'cwd': '/',  # root's working folder may be closed to the Agent's user
        }


KEPT_VARIABLES = frozenset(
    {'PATH', 'LANG', 'LC_ALL', 'TZ', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'}
)
