"""Make the organisation match the catalog: create what is missing, update what exists, delete on request.

Every body is checked and everything is looked up before anything changes, so a bad body or an
ambiguity (two dashboards with one title) stops the run with nothing half done.
"""

from .catalog import KINDS, NOUNS
from .client import DatadogError
from .wire import wire_body


def look_up(datadog, objects):
    """The ids found for each object, one listing per kind."""
    found = {}
    for kind in KINDS:
        keys = [managed.key for managed in objects if managed.kind == kind]
        if keys:
            ids = datadog.find(kind, keys)
            found.update({(kind, key): ids[key] for key in keys})
    return [(managed, found[managed.kind, managed.key]) for managed in objects]


def apply(datadog, objects, echo):
    for managed in objects:
        wire_body(managed.body, managed.what)  # a body the client would send half-parsed stops the run here
    plan = look_up(datadog, objects)
    for managed, ids in plan:
        if len(ids) > 1:
            raise DatadogError(
                f'found {len(ids)} {NOUNS[managed.kind]}s for the {managed.what} ({", ".join(map(str, ids))}): '
                'delete all but one in Datadog, or all of them with `datadog-exercise destroy`, then apply again.'
            )
    for managed, ids in plan:
        if ids:
            echo(f'updated {managed.what}: {datadog.update(managed, ids[0])}')
        else:
            echo(f'created {managed.what}: {datadog.create(managed)}')


def destroy(datadog, targets, echo):
    deleted = 0
    for managed, ids in look_up(datadog, targets):
        for object_id in ids:
            datadog.delete(managed, object_id)
            echo(f'deleted {managed.what} ({object_id})')
            deleted += 1
    if not deleted:
        echo('nothing to delete: none of the objects that apply manages was found.')
