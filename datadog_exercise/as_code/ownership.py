"""How `apply` recognises what it made: an identity it writes into each object, that a rename keeps.

Each object carries `datadog-exercise:id:<key>`, where it survives edits of everything else:

- monitors in their tags, next to `managed_by:datadog-exercise` (the listing filters on that tag);
- dashboards in their description: the v1 API's dashboard `tags` only take `team:<name>` (five at most),
  and the description is free text that the dashboard listing returns;
- downtimes in their message: a v2 downtime has no tags and no name, and the listing returns the message.

An object without the marker is never touched, whatever its title, name or tags: a hand-made copy is left
alone by `apply` and `destroy`. Removing the marker in the UI hands the object over to its users. A clone
made in the UI keeps the marker, so two objects carrying one key stop `apply` and `destroy` until one is
unmarked (except the downtimes of the quiet period in progress, which may overlap).
"""

import re

MANAGED_BY = 'managed_by:datadog-exercise'
IDENTITY = 'datadog-exercise:id:'
KEY = re.compile(r'[a-z][a-z0-9_]{0,62}')
MARKER = re.compile(re.escape(IDENTITY) + r'([a-z][a-z0-9_]{0,62})(?![a-z0-9_])')


def identity(key):
    """The marker of `key`, as a tag and as the text that descriptions and messages carry."""
    if not KEY.fullmatch(key):
        raise ValueError(f'{key!r} is not an identity key: lower-case letters, digits and underscores')
    return IDENTITY + key


def tags(key):
    """A monitor's ownership tags."""
    return [MANAGED_BY, identity(key)]


def note(key):
    """The sentence a description or a message carries."""
    return f'Managed by `datadog-exercise apply` ({identity(key)}).'


def key_of(kind, listed):
    """The key `listed` (an object as the API returns it) carries, or None when it is not ours."""
    if kind == 'monitors':
        carried = listed.get('tags')
        if not isinstance(carried, list) or MANAGED_BY not in carried:
            return None
        keys = {tag.removeprefix(IDENTITY) for tag in carried if isinstance(tag, str) and tag.startswith(IDENTITY)}
    else:
        holder = listed if kind == 'dashboards' else listed.get('attributes')
        text = holder.get('description' if kind == 'dashboards' else 'message') if isinstance(holder, dict) else None
        keys = set(MARKER.findall(text)) if isinstance(text, str) else set()
    if len(keys) != 1:
        return None  # none, or two different keys: nothing says which object it is
    key = keys.pop()
    return key if KEY.fullmatch(key) else None
