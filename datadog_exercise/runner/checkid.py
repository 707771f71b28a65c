"""The Agent's check ID (`Instance ID: <name>:<hash>`), computed as Agent 7 computes it.

The Agent re-serialises each instance and `init_config` with Go's `gopkg.in/yaml.v2`, digests the
whole configuration with MurmurHash3 (`FastDigest`), then hashes digest, instance and init_config
with FNV-1 64 (`BuildID`). The YAML re-serialisation below follows yaml.v2's rules (sorted keys,
unindented sequences, quoting of strings that would read as another type), which covers ordinary
configurations; exotic YAML (anchors, binary, custom tags) may hash differently.
"""

import math
import re
import struct

import yaml

from .gofmt import go_float

_M64 = 0xFFFFFFFFFFFFFFFF


def check_id(name, instance, init_config, all_instances):
    """`<name>:<hex>` (or `<name>:<instance name>:<hex>`), as printed by `datadog-agent check`."""
    instance_bytes = yaml_v2(instance)
    init_bytes = yaml_v2(init_config) if init_config is not None else b''
    digest = fast_digest(name, [yaml_v2(other) for other in all_instances], init_bytes)
    value = fnv1_64(struct.pack('>Q', digest) + instance_bytes + init_bytes)
    label = instance.get('name') or instance.get('namespace') or ''
    return f'{name}:{label}:{value:x}' if label else f'{name}:{value:x}'


def fast_digest(name, instances, init_config):
    # comp/core/autodiscovery/integration/config.go FastDigest(), for a file configuration
    # (no AD identifiers, node name, logs config or service ID; IgnoreAutodiscoveryTags false).
    return murmur3_64(name.encode() + b''.join(instances) + init_config + b'false')


def fnv1_64(data):
    value = 0xCBF29CE484222325
    for byte in data:
        value = (value * 0x100000001B3) & _M64
        value ^= byte
    return value


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & _M64


def _fmix(k):
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & _M64
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & _M64
    return k ^ (k >> 33)


def murmur3_64(data, seed=0):
    """The first 64 bits of MurmurHash3_x64_128 (Go's twmb/murmur3 New64)."""
    c1, c2 = 0x87C37B91114253D5, 0x4CF5AD432745937F
    h1 = h2 = seed
    blocks = len(data) // 16
    for i in range(blocks):
        k1, k2 = struct.unpack_from('<QQ', data, i * 16)
        h1 ^= (_rotl((k1 * c1) & _M64, 31) * c2) & _M64
        h1 = (_rotl(h1, 27) + h2) & _M64
        h1 = (h1 * 5 + 0x52DCE729) & _M64
        h2 ^= (_rotl((k2 * c2) & _M64, 33) * c1) & _M64
        h2 = (_rotl(h2, 31) + h1) & _M64
        h2 = (h2 * 5 + 0x38495AB5) & _M64
    tail = data[blocks * 16 :]
    if len(tail) > 8:
        k2 = int.from_bytes(tail[8:], 'little')
        h2 ^= (_rotl((k2 * c2) & _M64, 33) * c1) & _M64
    if tail:
        k1 = int.from_bytes(tail[:8], 'little')
        h1 ^= (_rotl((k1 * c1) & _M64, 31) * c2) & _M64
    h1 ^= len(data)
    h2 ^= len(data)
    h1 = (h1 + h2) & _M64
    h2 = (h2 + h1) & _M64
    h1, h2 = _fmix(h1), _fmix(h2)
    return (h1 + h2) & _M64


# ---- gopkg.in/yaml.v2 Marshal ----------------------------------------------------------------

_PLAIN_UNSAFE_START = set('-?:,[]{}#&*!|>\'"%@`')
_RESOLVER = yaml.resolver.Resolver()
_YAML_V2_EXTRA_BOOLEANS = frozenset({'y', 'Y', 'n', 'N'})  # yaml.v2 reads these as booleans; PyYAML does not


def yaml_v2(value):
    """The bytes Go's yaml.v2 Marshal gives for a value read from YAML (a mapping, list or scalar)."""
    return ''.join(_node(value, 0, top=True)).encode('utf-8')


def _node(value, indent, top=False):
    pad = ' ' * indent
    if isinstance(value, dict):
        if not value:
            yield '{}\n'
            return
        for key in sorted(value, key=_natural_key):
            item = value[key]
            yield f'{pad}{_scalar(key)}:'
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
    return _scalar(value) + '\n'


def _scalar(value):
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


def _natural_key(key):
    """yaml.v2's key order: numbers by value, then strings with digit runs compared as numbers."""
    if isinstance(key, bool) or not isinstance(key, int | float | str):
        return (2, str(key))
    if not isinstance(key, str):
        return (0, key)
    parts = re.split(r'(\d+)', key)
    return (1, [(0, int(part), len(part)) if part.isdigit() else (1, part) for part in parts if part])
