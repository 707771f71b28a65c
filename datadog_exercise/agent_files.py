"""Files in the Agent's folders, read, written and removed without ever following a link.

The Agent's package gives its configuration folder to the Agent's user (its postinst runs
`chown -R dd-agent:dd-agent /etc/datadog-agent`), so `dd-agent` may put a symbolic link, a hard link,
a folder or a FIFO at any name under `checks.d` and `conf.d`, at any moment. An installer running as
root that followed one would write, re-own or remove a file that `dd-agent` chose.

So the folder the user names (`--agent-dir`, `--confd`) is trusted, and nothing under it is: each name
is opened relative to its parent's descriptor with O_NOFOLLOW; a file is written to a new file with an
unpredictable name created with O_EXCL, given its owner and mode through its descriptor, then renamed
over the final name (a rename replaces a link, it never follows it); a name that is a link or not a
regular file is refused, with a message that says so.
"""

import contextlib
import errno
import grp
import os
import pwd
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

MAX_READ_BYTES = 1024 * 1024  # configurations and check modules are a few kB; a bigger file is not ours
NEW_FILE_ATTEMPTS = 5  # a random name that exists already is someone's plant, or astronomically unlucky

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # NONBLOCK: a FIFO must not hang the open
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class UnsafePath(Exception):
    """A name under the Agent's folder that is a link or not what it should be; the message says which."""


@dataclass(frozen=True)
class Owner:
    """Who gets a written file: -1 leaves the user or group as it is."""

    uid: int = -1
    gid: int = -1

    @classmethod
    def user(cls, name):
        """The user and its primary group, or None when there is no such user here."""
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            return None
        return cls(entry.pw_uid, entry.pw_gid)

    @classmethod
    def group(cls, name):
        """Only the group, or None when there is no such group here."""
        try:
            return cls(gid=grp.getgrnam(name).gr_gid)
        except KeyError:
            return None


class AgentFolder:
    """A folder named by the user, and the untrusted names under it (relative paths, without `..`)."""

    def __init__(self, root):
        self.root = Path(root)

    def read(self, relative, limit=MAX_READ_BYTES):
        """The bytes of a regular file, or None when it (or a folder above it) does not exist."""
        *folders, name = self._parts(relative)
        with self._folder(folders, create=False) as folder:
            if folder is None:
                return None
            try:
                descriptor = os.open(name, _READ, dir_fd=folder)
            except FileNotFoundError:
                return None
            except OSError as error:
                raise self._refusal(folder, name, relative, error) from None
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                os.close(descriptor)
                raise UnsafePath(self._not_regular(relative))
            with os.fdopen(descriptor, 'rb') as stream:
                content = stream.read(limit + 1)
        if len(content) > limit:
            raise UnsafePath(f'{self.root / relative} is over {limit} bytes: no file of this package is that big')
        return content

    def write(self, relative, content, mode, owner=None):
        """Replace (or create) a regular file atomically, with its owner and mode set before it appears.

        Folders that do not exist are created (0755) and given to `owner`.
        """
        *folders, name = self._parts(relative)
        with self._folder(folders, create=True, owner=owner) as folder:
            self._refuse_unless_regular_or_missing(folder, name, relative)
            temporary, descriptor = self._new_file(folder, name, relative)
            try:
                with os.fdopen(descriptor, 'wb') as stream:
                    stream.write(content)
                    stream.flush()
                    if owner is not None:
                        os.fchown(descriptor, owner.uid, owner.gid)
                    os.fchmod(descriptor, mode)
                    os.fsync(descriptor)
                os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary, dir_fd=folder)
                raise

    def remove(self, relative):
        """Remove a regular file; a link or anything else at that name is refused, a missing one ignored."""
        *folders, name = self._parts(relative)
        with self._folder(folders, create=False) as folder:
            if folder is None:
                return
            try:
                self._refuse_unless_regular_or_missing(folder, name, relative)
                os.unlink(name, dir_fd=folder)
            except FileNotFoundError:
                return

    def remove_folder_if_empty(self, relative):
        """rmdir, which never follows a link either; a folder that is not empty (or not a folder) stays."""
        *folders, name = self._parts(relative)
        with self._folder(folders, create=False) as folder, contextlib.suppress(OSError):
            if folder is not None:
                os.rmdir(name, dir_fd=folder)

    def _parts(self, relative):
        parts = Path(relative).parts
        if not parts or Path(relative).is_absolute() or '..' in parts:
            raise ValueError(f'not a path under {self.root}: {relative}')
        return parts

    @contextlib.contextmanager
    def _folder(self, folders, create, owner=None):
        """The descriptor of root/folders..., each opened without following a link; None when one is missing."""
        with contextlib.ExitStack() as opened:
            if create:
                self.root.mkdir(parents=True, exist_ok=True)
            try:
                descriptor = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            except FileNotFoundError:
                yield None
                return
            except OSError as error:
                raise UnsafePath(f'cannot open {self.root}: {error.strerror}') from None
            opened.callback(os.close, descriptor)
            for depth, name in enumerate(folders, start=1):
                created = False
                if create:
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(name, 0o755, dir_fd=descriptor)
                        created = True
                try:
                    child = os.open(name, _FOLDER, dir_fd=descriptor)
                except FileNotFoundError:
                    yield None
                    return
                except OSError as error:
                    raise self._refusal(descriptor, name, Path(*folders[:depth]), error) from None
                opened.callback(os.close, child)
                if created and owner is not None:
                    os.fchown(child, owner.uid, owner.gid)
                descriptor = child
            yield descriptor

    def _new_file(self, folder, name, relative):
        for _ in range(NEW_FILE_ATTEMPTS):
            temporary = f'.{name}.{secrets.token_hex(8)}.tmp'
            try:
                # 0600 until the owner and mode are set: a configuration may hold a password.
                return temporary, os.open(temporary, _NEW_FILE, 0o600, dir_fd=folder)
            except FileExistsError:
                continue
        raise UnsafePath(
            f'cannot create a new file beside {self.root / relative}: {NEW_FILE_ATTEMPTS} random names were taken'
        )

    def _refuse_unless_regular_or_missing(self, folder, name, relative):
        try:
            found = os.stat(name, dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            return
        if stat.S_ISLNK(found.st_mode):
            raise UnsafePath(self._link(relative))
        if not stat.S_ISREG(found.st_mode):
            raise UnsafePath(self._not_regular(relative))

    def _refusal(self, folder, name, relative, error):
        """Why NAME could not be opened: with O_NOFOLLOW, a link gives ELOOP, or ENOTDIR where a folder is asked."""
        with contextlib.suppress(OSError):
            if stat.S_ISLNK(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode):
                return UnsafePath(self._link(relative))
        if error.errno == errno.ENOTDIR:
            return UnsafePath(f'{self.root / relative} is not a folder: remove it, then run again')
        return UnsafePath(f'cannot open {self.root / relative}: {error.strerror}')

    def _link(self, relative):
        return (
            f'{self.root / relative} is a symbolic link: files under {self.root} are never read or written '
            'through a link, which another user may have put there; remove it, then run again'
        )

    def _not_regular(self, relative):
        return f'{self.root / relative} is not a regular file: remove it, then run again'
