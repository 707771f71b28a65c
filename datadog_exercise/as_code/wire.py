"""What a model becomes on the wire, refusing the values `datadog-api-client` accepted without parsing.

The client raises for a missing field or a wrong type, but an unknown enum value (`'bar'` for
`'bars'`) only marks the model `_unparsed` and is sent as is: the API then answers a vague 400, or
worse, stores something the UI cannot show. Every body goes through `wire_body` before it is sent
or printed.
"""

from datadog_api_client.model_utils import ModelComposed, ModelNormal, ModelSimple, UnparsedObject, data_to_dict

from .errors import AsCodeError


class InvalidModel(AsCodeError):
    """A model holds a value the client could not parse; the message names where and what was expected."""


def unparsed_values(value, path=''):
    """Yield `(path, value, allowed values)` for every value of the model the client left unparsed."""
    if isinstance(value, UnparsedObject):
        yield path, value._data_store, ()
    elif isinstance(value, ModelSimple):
        if value._unparsed:
            yield path, value.value, tuple(sorted(type(value).allowed_values))
    elif isinstance(value, ModelComposed):
        # A oneOf keeps its fields in the instance of the schema it matched.
        for instance in value._composed_instances:
            yield from unparsed_values(instance, path)
    elif isinstance(value, ModelNormal):
        for name, item in value._data_store.items():
            wire_name = type(value).attribute_map.get(name, name)
            yield from unparsed_values(item, f'{path}.{wire_name}' if path else wire_name)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from unparsed_values(item, f'{path}[{index}]')


def describe(path, value, allowed):
    if allowed:
        return f'{path} is {value!r}, not one of {", ".join(map(str, allowed))}'
    return f'{path} matches none of the shapes the API accepts: {value!r}'


def wire_body(model, what):
    """The JSON-ready dict the client sends for `model` (its own serializer), or InvalidModel."""
    problems = list(unparsed_values(model))
    if problems:
        more = f' (and {len(problems) - 1} more)' if len(problems) > 1 else ''
        raise InvalidModel(f'refusing to send the {what}: {describe(*problems[0])}{more}')
    return data_to_dict(model)
