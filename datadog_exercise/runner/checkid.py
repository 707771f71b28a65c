"""The Agent's check ID (`Instance ID: <name>:<hash>`), computed as Agent 7 computes it.

The Agent re-serialises each instance and `init_config` with Go's `gopkg.in/yaml.v2` (see yamlv2.py),
digests the whole configuration with MurmurHash3 (`FastDigest`), then hashes digest, instance and
init_config with FNV-1 64 (`BuildID`, pkg/collector/check/id/id.go).
"""

import struct

from .yamlv2 import marshal

_M64 = 0xFFFFFFFFFFFFFFFF


def check_id(name, instance, init_config, all_instances):
    """`<name>:<hex>` (or `<name>:<instance name>:<hex>`), as printed by `datadog-agent check`."""
    instance_bytes = marshal(instance)
    init_bytes = marshal(init_config) if init_config is not None else b''
    digest = fast_digest(name, [marshal(other) for other in all_instances], init_bytes)
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
