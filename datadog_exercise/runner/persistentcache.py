"""The Agent's persistent cache: one file per key under the run path.

Follows pkg/persistentcache/persistentcache.go (`getFileForKey`, `Read`, `Write`), the Go callbacks in
pkg/collector/python/datadog_agent.go (`ReadPersistentCache`, `WritePersistentCache`) and rtloader's
`datadog_agent.read_persistent_cache` (rtloader/common/builtins/datadog_agent.c):

- the key `<prefix>:<rest>` is the file `<run_path>/<prefix>/<rest>` (folder made 0700), each part
  stripped of every character outside `[a-zA-Z0-9_-]`; a key without `:` is a file in the run path;
- a missing file reads as ''; a file that cannot be read makes the check's call raise
  `RuntimeError('failed to read data')` (the Agent logs `Failed to read cache <key>: <reason>`);
- the value goes through a C string: it ends at the first NUL byte, and bytes that are not UTF-8 raise
  `UnicodeDecodeError` in the check, as `PyUnicode_FromString` does;
- a failed write is logged, never raised.

Hardened beyond the Agent (the run path may be shared, its content is hostile): a symbolic link, a FIFO
or anything else than a regular file is not followed or read, a file over `MAX_BYTES` is not read, and a
write goes to a fresh file created with O_EXCL that then replaces the entry, so that no link planted at
the entry or beside it is written through.
"""

import contextlib
import errno
import os
import re
import stat
import tempfile
from pathlib import Path

MAX_BYTES = 4 * 1024 * 1024
READ_FAILED = 'failed to read data'  # rtloader's message to the check
_INVALID = re.compile(r'[^a-zA-Z0-9_-]')


class CacheError(Exception):
    """Why a cache entry could not be read or written (the reason in the Agent's log line)."""


def cache_file(run_path, key):
    """The file that holds `key`, as getFileForKey builds it (without creating anything)."""
    prefix, colon, rest = key.partition(':')
    if not colon:
        return Path(run_path) / _INVALID.sub('', prefix)
    return Path(run_path) / _INVALID.sub('', prefix) / _INVALID.sub('', rest)


def read(run_path, key):
    """The bytes stored for `key` (b'' when there is none), or CacheError."""
    path = cache_file(run_path, key)
    _ensure_folder(path.parent, key)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return b''
    except OSError as error:
        raise CacheError(_reason(path, error)) from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise CacheError(f'{path} is not a regular file')
        content = _read_at_most(descriptor, MAX_BYTES + 1)
    except OSError as error:
        raise CacheError(_reason(path, error)) from None
    finally:
        os.close(descriptor)
    if len(content) > MAX_BYTES:
        raise CacheError(f'{path} is larger than {MAX_BYTES} bytes')
    return content


def write(run_path, key, value):
    """Store `value` (bytes) for `key`, or CacheError; never writes through a link."""
    path = cache_file(run_path, key)
    _ensure_folder(path.parent, key)
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix='.', suffix='.tmp')
    except OSError as error:
        raise CacheError(_reason(path.parent, error)) from None
    try:
        with os.fdopen(descriptor, 'wb') as cache:
            cache.write(value)
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise CacheError(_reason(path, error)) from None


def _read_at_most(descriptor, limit):
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(descriptor, min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b''.join(chunks)


def _ensure_folder(folder, key):
    # MkdirAll(<run_path>/<prefix>, 0700), as getFileForKey does, on read and write alike.
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise CacheError(_reason(folder, error)) from None
    if ':' in key and folder.is_symlink():
        raise CacheError(f'{folder} is a symbolic link')


def _reason(path, error):
    if error.errno == errno.ELOOP:
        return f'{path} is a symbolic link'
    return f'{path}: {error.strerror or error}'
