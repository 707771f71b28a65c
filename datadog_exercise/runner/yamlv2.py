"""Go's gopkg.in/yaml.v2, as far as the Agent uses it on a check's configuration.

- `marshal`: the bytes yaml.v2's Marshal gives for a value read from YAML. The Agent re-serialises every
  instance and init_config this way (config_reader.go GetIntegrationConfigFromFile) before hashing them
  into the check ID and handing them to the check. The rules: sorted keys (numbers by value, digit runs
  compared as numbers), unindented sequences, quoting of strings that would read as another type. This
  covers ordinary configurations; exotic YAML (anchors, binary, custom tags) may come out differently.
- `decode_errors`: the errors yaml.v2's Unmarshal gives when that re-serialised YAML is decoded into a Go
  struct of typed fields (PythonCheck.Configure decodes integration.CommonInstanceConfig and
  CommonGlobalConfig so): `line N: cannot unmarshal !!str `45` into int`.
"""

import math
import re
from dataclasses import dataclass

import yaml

from .gofmt import go_float

_PLAIN_UNSAFE_START = set('-?:,[]{}#&*!|>\'"%@`')
_RESOLVER = yaml.resolver.Resolver()
_YAML_V2_EXTRA_BOOLEANS = frozenset({'y', 'Y', 'n', 'N'})  # yaml.v2 reads these as booleans; PyYAML does not


def marshal(value):
    """The bytes Go's yaml.v2 Marshal gives for a value read from YAML (a mapping, list or scalar)."""
    return ''.join(_node(value, 0, top=True)).encode('utf-8')


def _node(value, indent, top=False):
    pad = ' ' * indent
    if isinstance(value, dict):
        if not value:
            yield '{}\n'
            return
        for key in sorted(value, key=natural_key):
            item = value[key]
            yield f'{pad}{scalar(key)}:'
            if isinstance(item, dict) and item:
                yield '\n'
                yield from _node(item, indent + 2)
            elif isinstance(item, list) and item:
                yield '\n'
                yield from _node(item, indent)  # yaml.v2 does not indent a sequence under its key
            else:
                yield ' ' + _inline(item, indent + 2)
        return
    if isinstance(value, list):
        if not value:
            yield '[]\n'
            return
        for item in value:
            if isinstance(item, dict) and item:
                first, *rest = list(_node(item, indent + 2))
                yield f'{pad}- {first.lstrip()}'
                yield from rest
            elif isinstance(item, list) and item:
                yield f'{pad}-\n'
                yield from _node(item, indent + 2)
            else:
                yield f'{pad}- ' + _inline(item, indent + 2)
        return
    yield _inline(value, indent)


def _inline(value, indent):
    if isinstance(value, dict | list):
        return ('{}' if isinstance(value, dict) else '[]') + '\n'
    if isinstance(value, str) and '\n' in value:
        chomp = '' if value.endswith('\n') and not value.endswith('\n\n') else '-' if not value.endswith('\n') else '+'
        lines = value[:-1].split('\n') if value.endswith('\n') else value.split('\n')
        return f'|{chomp}\n' + ''.join(f'{" " * indent}{line}\n' if line else '\n' for line in lines)
    return scalar(value) + '\n'


def scalar(value):
    if value is None:
        return 'null'
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return '.nan'
        if math.isinf(value):
            return '.inf' if value > 0 else '-.inf'
        return go_float(value)
    text = str(value)
    if _reads_as_other_type(text):
        return _double_quoted(text)
    if text != text.strip() or text[0] in _PLAIN_UNSAFE_START or ': ' in text or ' #' in text or text.endswith(':'):
        return "'" + text.replace("'", "''") + "'"
    return text


def _reads_as_other_type(text):
    """Whether a plain scalar would be read back as something else than a string (YAML 1.1 resolution)."""
    if text in _YAML_V2_EXTRA_BOOLEANS:
        return True
    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) != 'tag:yaml.org,2002:str'


def _double_quoted(text):
    escaped = text.replace('\\', '\\\\').replace('"', '\\"').replace('\t', '\\t')
    return f'"{escaped}"'


def natural_key(key):
    """yaml.v2's key order: numbers by value, then strings with digit runs compared as numbers."""
    if isinstance(key, bool) or not isinstance(key, int | float | str):
        return (2, str(key))
    if not isinstance(key, str):
        return (0, key)
    parts = re.split(r'(\d+)', key)
    return (1, [(0, int(part), len(part)) if part.isdigit() else (1, part) for part in parts if part])


# ---- Unmarshal into typed fields ---------------------------------------------------------------

_MAX_INT64 = (1 << 63) - 1
_MIN_INT64 = -(1 << 63)
_MAX_UINT64 = (1 << 64) - 1


@dataclass(frozen=True)
class Decoded:
    """The typed fields of one struct, and the yaml.v2 errors that decoding them gave."""

    values: dict
    errors: tuple[str, ...]


def decode(document, fields, struct_name):
    """Decode the mapping `document` (as read from YAML) into `fields` ({key: 'int' | 'bool' | 'string' |
    'strings'}) the way yaml.v2 decodes its re-serialisation into a Go struct named `struct_name`."""
    if document is None:
        return Decoded({}, ())
    if not isinstance(document, dict):
        return Decoded({}, (_terror(1, document, struct_name),))
    values, errors = {}, []
    line = 1
    for key in sorted(document, key=natural_key):
        item = document[key]
        if isinstance(key, str) and key in fields:
            kind = fields[key]
            value_line = line + 1 if isinstance(item, dict | list) and item else line
            value, error = _field(item, kind, value_line)
            if error:
                errors.extend(error)
            elif value is not None:
                values[key] = value
        line += marshal({key: item}).count(b'\n')
    return Decoded(values, tuple(errors))


def error_text(errors):
    """yaml.v2's TypeError.Error()."""
    return 'yaml: unmarshal errors:\n  ' + '\n  '.join(errors)


def _field(item, kind, line):
    if item is None:
        return None, ()
    if kind == 'int':
        number = _as_int64(item)
        return (number, ()) if number is not None else (None, (_terror(line, item, 'int'),))
    if kind == 'bool':
        return (item, ()) if isinstance(item, bool) else (None, (_terror(line, item, 'bool'),))
    if kind == 'string':
        return (None, (_terror(line, item, 'string'),)) if isinstance(item, dict | list) else (_text(item), ())
    if not isinstance(item, list):
        return None, (_terror(line, item, '[]string'),)
    errors, element_line = [], line
    for element in item:
        if isinstance(element, dict | list):
            # "- key: value" starts a mapping on the dash's line; a nested sequence starts on the next one.
            nested = 1 if isinstance(element, list) and element else 0
            errors.append(_terror(element_line + nested, element, 'string'))
        element_line += marshal([element]).count(b'\n')
    return (None, tuple(errors)) if errors else ([_text(e) for e in item if e is not None], ())


def _as_int64(item):
    # yaml.v2 decodes an int, or a float truncated, into a Go int (a NaN or a value past MaxInt64 does not
    # fit); Go's conversion of a float below MinInt64 gives MinInt64 on amd64.
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        return item if _MIN_INT64 <= item <= _MAX_INT64 else None
    if isinstance(item, float) and not math.isnan(item) and item <= float(_MAX_INT64):
        return int(item) if float(_MIN_INT64) < item < float(_MAX_INT64) else _MIN_INT64
    return None


def _text(item):
    # The scalar's text as yaml.v2 reads it back: unquoted, numbers and booleans as Marshal writes them.
    if isinstance(item, str):
        return item
    return scalar(item) if item is None or isinstance(item, bool | int | float) else str(item)


def _terror(line, item, go_type):
    if isinstance(item, dict):
        return type_error(line, '!!map', None, go_type)
    if isinstance(item, list):
        return type_error(line, '!!seq', None, go_type)
    return type_error(line, _tag(item), _text(item), go_type)


def type_error(line, tag, text, go_type):
    """One line of yaml.v2's TypeError: the value shown up to 10 bytes, else its first 7 and `...`."""
    if text is None:
        return f'line {line}: cannot unmarshal {tag} into {go_type}'
    raw = text.encode('utf-8')
    shown = raw if len(raw) <= 10 else raw[:7] + b'...'
    return f'line {line}: cannot unmarshal {tag} `{shown.decode("utf-8", "replace")}` into {go_type}'


def node_errors(node, fields, struct_name):
    """The errors yaml.v2 gives decoding a document (a PyYAML node, with the file's own line numbers)
    into a struct whose typed fields are `fields` ({key: 'bool' | 'string' | 'strings' | 'maps'})."""
    if node is None or _is_null(node):
        return []
    if not isinstance(node, yaml.MappingNode):
        return [_node_error(node, struct_name)]
    errors = []
    for key_node, value_node in node.value:
        kind = fields.get(key_node.value) if isinstance(key_node, yaml.ScalarNode) else None
        if kind is None or _is_null(value_node):
            continue
        if kind == 'bool' and not (isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(':bool')):
            errors.append(_node_error(value_node, 'bool'))
        elif kind == 'string' and not isinstance(value_node, yaml.ScalarNode):
            errors.append(_node_error(value_node, 'string'))
        elif kind in ('strings', 'maps'):
            item_type = 'string' if kind == 'strings' else 'integration.RawMap'
            if not isinstance(value_node, yaml.SequenceNode):
                errors.append(_node_error(value_node, '[]' + item_type))
                continue
            for item in value_node.value:
                fits = isinstance(item, yaml.ScalarNode) if kind == 'strings' else isinstance(item, yaml.MappingNode)
                if not (fits or _is_null(item)):
                    errors.append(_node_error(item, item_type))
    return errors


def _is_null(node):
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(':null')


def _node_error(node, go_type):
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return type_error(line, '!!map', None, go_type)
    if isinstance(node, yaml.SequenceNode):
        return type_error(line, '!!seq', None, go_type)
    return type_error(line, '!!' + node.tag.rsplit(':', 1)[-1], node.value, go_type)


def _tag(item):
    if isinstance(item, bool):
        return '!!bool'
    if isinstance(item, int):
        return '!!int' if _MIN_INT64 <= item <= _MAX_UINT64 else '!!float'
    if isinstance(item, float):
        return '!!float'
    return '!!str'
