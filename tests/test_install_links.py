"""`datadog-exercise install` never reads, writes, re-owns or removes anything through a link planted under the
Agent's folders, which the Agent's user owns (the Agent's package runs `chown -R dd-agent:dd-agent
/etc/datadog-agent`), and refuses, naming the path, when a name it must write is a link or not a regular file.

Each test plants something in a real checks.d/conf.d layout, aimed at a "protected" folder outside it that stands
for root's files (a secret file, a folder), runs the installer, and compares the protected folder byte for byte,
owner, mode and link count included. The machine's unprivileged `nobody` plays the Agent's user where the test
needs a real one.
"""

import contextlib
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datadog_exercise import agent_files, paths
from datadog_exercise.agent_files import AgentFolder, UnsafePath
from datadog_exercise.install import install_steps, uninstall_steps

from support import REPOSITORY, run_cli

SHIPPED_MODULE = (paths.CHECKSD / 'random_number.py').read_bytes()
SHIPPED_CONFIG = (paths.confd() / 'random_number.d' / 'conf.yaml').read_bytes()
SECRET = b'root:$6$secret-hash:19000:0:99999:7:::\n'
UNPRIVILEGED = 'nobody'


def unprivileged_user():
    try:
        return pwd.getpwnam(UNPRIVILEGED)
    except KeyError:
        pytest.skip(f'no {UNPRIVILEGED} user on this machine')


@pytest.fixture
def layout():
    """An Agent folder and, beside it, root's protected files; every folder is traversable by other users, so that
    an unprivileged process can plant links (pytest's own tmp_path is closed to them)."""
    top = Path(tempfile.mkdtemp(prefix='install-links-'))
    top.chmod(0o755)
    agent = top / 'agent'
    (agent / 'checks.d').mkdir(parents=True)
    (agent / 'conf.d').mkdir()
    protected = top / 'protected'
    (protected / 'etc').mkdir(parents=True)
    secret = protected / 'shadow'
    secret.write_bytes(SECRET)
    secret.chmod(0o600)
    (protected / 'etc' / 'sudoers').write_bytes(b'root ALL=(ALL) ALL\n')
    try:
        yield agent, protected
    finally:
        shutil.rmtree(top)


def snapshot(folder, link_counts=True):
    """Everything about every entry under FOLDER that a followed link could change (and the link counts, which
    change, rightly, when a planted hard link is replaced)."""
    entries = {}
    for path in sorted([folder, *folder.rglob('*')]):
        found = path.lstat()
        content = path.read_bytes() if stat.S_ISREG(found.st_mode) else os.readlink(path) if path.is_symlink() else None
        entries[str(path.relative_to(folder))] = (
            stat.S_IFMT(found.st_mode),
            stat.S_IMODE(found.st_mode),
            found.st_uid,
            found.st_gid,
            found.st_nlink if link_counts else None,
            found.st_mtime_ns,
            content,
        )
    return entries


def install(agent, *args):
    owner = UNPRIVILEGED if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    return run_cli('install', '--agent-dir', agent, '--check', 'random_number', '--owner', owner, *args)


def link_message(agent, relative):
    return (
        f'Error: {agent / relative} is a symbolic link: files under {agent} are never read or written through a '
        'link, which another user may have put there; remove it, then run again\n'
    )


# ---- links and other things planted at the names install writes -----------------------------------------------


@pytest.mark.parametrize(
    'planted, target',
    [
        ('checks.d/random_number.py', 'shadow'),
        ('checks.d/random_number.py', 'missing'),  # dangling: following it would create a file there
        ('checks.d/random_number.py', 'etc'),  # a folder
        ('checks.d', 'etc'),
        ('conf.d/random_number.d', 'etc'),
        ('conf.d/random_number.d/conf.yaml', 'shadow'),
        ('conf.d/random_number.d/conf.yaml', 'missing'),
    ],
    ids=['module-to-file', 'module-dangling', 'module-to-folder', 'checks.d', 'conf-folder', 'conf', 'conf-dangling'],
)
def test_a_link_at_a_name_install_writes_is_refused_and_nothing_outside_changes(layout, planted, target):
    agent, protected = layout
    link = agent / planted
    if link.exists() and link.is_dir():
        link.rmdir()
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(protected / target)
    before = snapshot(protected)

    result = install(agent)

    assert result.returncode == 1
    assert result.stderr == link_message(agent, planted)
    assert snapshot(protected) == before
    assert link.is_symlink() and os.readlink(link) == str(protected / target)


def test_a_link_at_conf_yaml_example_is_refused_when_the_config_is_yours(layout):
    agent, protected = layout
    folder = agent / 'conf.d' / 'random_number.d'
    folder.mkdir()
    (folder / 'conf.yaml').write_bytes(SHIPPED_CONFIG + b'# mine\n')
    (folder / 'conf.yaml.example').symlink_to(protected / 'shadow')
    before = snapshot(protected)

    result = install(agent)

    assert result.returncode == 1
    assert result.stderr == link_message(agent, 'conf.d/random_number.d/conf.yaml.example')
    assert snapshot(protected) == before


@pytest.mark.parametrize('kind', ['folder', 'fifo'])
def test_something_other_than_a_regular_file_at_a_name_install_writes_is_refused(layout, kind):
    agent, _ = layout
    folder = agent / 'conf.d' / 'random_number.d'
    folder.mkdir()
    planted = folder / 'conf.yaml'
    if kind == 'folder':
        planted.mkdir()
    else:
        os.mkfifo(planted)  # reading it would block forever

    result = install(agent)

    assert result.returncode == 1
    assert result.stderr == f'Error: {planted} is not a regular file: remove it, then run again\n'


def test_a_link_planted_at_the_old_predictable_temporary_name_is_never_followed(layout):
    # The break that was reported: a root install followed checks.d/.random_number.py.tmp, overwrote the
    # root-owned file it pointed at, gave it to dd-agent and made it world-readable.
    agent, protected = layout
    (agent / 'checks.d' / '.random_number.py.tmp').symlink_to(protected / 'shadow')
    before = snapshot(protected)

    result = install(agent)

    assert result.returncode == 0, result.stderr
    assert snapshot(protected) == before
    assert (agent / 'checks.d' / 'random_number.py').read_bytes() == SHIPPED_MODULE


def test_a_hard_link_at_the_final_name_is_replaced_and_the_other_name_keeps_its_file(layout):
    agent, protected = layout
    module = agent / 'checks.d' / 'random_number.py'
    os.link(protected / 'shadow', module)  # root can; fs.protected_hardlinks stops others linking root's files
    before = snapshot(protected)

    result = install(agent)

    assert result.returncode == 0, result.stderr
    after = snapshot(protected)
    assert after['shadow'][-1] == SECRET
    # The same file, untouched, but for the one name it lost.
    assert after['shadow'][:4] == before['shadow'][:4] and after['shadow'][4] == before['shadow'][4] - 1
    assert module.read_bytes() == SHIPPED_MODULE and module.stat().st_nlink == 1


def test_uninstall_never_removes_through_a_link(layout):
    agent, protected = layout
    assert install(agent).returncode == 0
    module = agent / 'checks.d' / 'random_number.py'
    module.unlink()
    shutil.copy(paths.CHECKSD / 'random_number.py', protected / 'etc' / 'random_number.py')
    module.symlink_to(protected / 'etc' / 'random_number.py')  # identical content: a naive uninstall removes it
    config_folder = agent / 'conf.d' / 'random_number.d'
    shutil.rmtree(config_folder)
    shutil.copy(paths.confd() / 'random_number.d' / 'conf.yaml', protected / 'etc' / 'conf.yaml')
    config_folder.symlink_to(protected / 'etc')
    before = snapshot(protected)

    result = install(agent, '--uninstall')

    assert result.returncode == 1
    assert result.stderr == link_message(agent, 'checks.d/random_number.py')
    assert snapshot(protected) == before


def test_a_random_temporary_name_already_taken_is_never_followed_and_another_is_drawn(layout, monkeypatch):
    agent, protected = layout
    drawn = iter(['planted-link', 'planted-hard-link', 'free'])
    monkeypatch.setattr(agent_files.secrets, 'token_hex', lambda _: next(drawn))
    checks_d = agent / 'checks.d'
    (checks_d / '.random_number.py.planted-link.tmp').symlink_to(protected / 'shadow')
    os.link(protected / 'etc' / 'sudoers', checks_d / '.random_number.py.planted-hard-link.tmp')
    before = snapshot(protected)

    AgentFolder(agent).write('checks.d/random_number.py', SHIPPED_MODULE, 0o644)

    assert snapshot(protected) == before
    assert (checks_d / 'random_number.py').read_bytes() == SHIPPED_MODULE
    assert sorted(path.name for path in checks_d.iterdir()) == [
        '.random_number.py.planted-hard-link.tmp',
        '.random_number.py.planted-link.tmp',
        'random_number.py',
    ]


def test_files_and_the_folders_install_creates_get_owner_and_mode_through_their_descriptors(layout):
    agent, _ = layout
    owner = unprivileged_user() if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())

    result = install(agent)

    assert result.returncode == 0, result.stderr
    for path, mode in (
        (agent / 'checks.d' / 'random_number.py', 0o644),
        (agent / 'conf.d' / 'random_number.d', 0o755),
        (agent / 'conf.d' / 'random_number.d' / 'conf.yaml', 0o640),
    ):
        assert (path.stat().st_uid, path.stat().st_gid, stat.S_IMODE(path.stat().st_mode)) == (
            owner.pw_uid,
            owner.pw_gid,
            mode,
        )
    assert sorted(path.name for path in (agent / 'checks.d').iterdir()) == ['random_number.py']  # no leftovers


# ---- the Agent's user, for real ----------------------------------------------------------------------------------


def as_unprivileged(*command):
    user = unprivileged_user()
    return subprocess.run(command, user=user.pw_uid, group=user.pw_gid, extra_groups=[], capture_output=True, text=True)


def unprivileged_python():
    """An interpreter the unprivileged user may run (this one may live in root's home)."""
    if os.geteuid() != 0:
        return sys.executable
    for candidate in (sys.executable, shutil.which('python3', path='/usr/bin:/bin')):
        with contextlib.suppress(OSError):
            if candidate and as_unprivileged(candidate, '-c', 'pass').returncode == 0:
                return candidate
    pytest.skip(f'no Python interpreter that {UNPRIVILEGED} may run')


@pytest.mark.skipif(os.geteuid() != 0, reason='needs root: the attack is on what a root install does')
def test_links_planted_by_the_agents_user_while_root_installs_never_reach_roots_files(layout):
    """`nobody` owns checks.d and conf.d, as dd-agent does, and keeps swapping links in at every name install
    writes, as fast as it can, while root installs again and again (in this process, to race at full speed)."""
    agent, protected = layout
    user = unprivileged_user()
    for folder in (agent / 'checks.d', agent / 'conf.d'):
        os.chown(folder, user.pw_uid, user.pw_gid)
    names = [
        agent / 'checks.d' / 'random_number.py',
        agent / 'checks.d' / '.random_number.py.tmp',
        agent / 'conf.d' / 'random_number.d',
    ]
    planter = subprocess.Popen(
        [unprivileged_python(), '-c', PLANTER, str(protected / 'shadow'), *map(str, names)],
        user=user.pw_uid,
        group=user.pw_gid,
        extra_groups=[],
    )
    before = snapshot(protected)
    refusals = 0
    try:
        for _ in range(ROUNDS):
            try:
                for step in install_steps(agent, ['random_number'], owner=UNPRIVILEGED):
                    step.run(False, lambda text: None)
            except UnsafePath:
                refusals += 1
            except (FileNotFoundError, IsADirectoryError):
                pass  # the planter removed or replaced a folder between two steps: a failed install, not a leak
    finally:
        planter.terminate()
        planter.wait(timeout=10)
    assert snapshot(protected) == before
    assert refusals, 'the planter never got a link in place: the test proved nothing'


ROUNDS = 300
# Replaces each NAME by a symbolic link to TARGET, over and over, whatever is there (run as the Agent's user).
PLANTER = """
import os, sys, shutil
target, names = sys.argv[1], sys.argv[2:]
while True:
    for name in names:
        try:
            if os.path.isdir(name) and not os.path.islink(name):
                shutil.rmtree(name)
            temporary = name + '.planting'
            os.symlink(target, temporary)
            os.replace(temporary, name)
        except OSError:
            pass
"""


def test_an_unprivileged_installer_refuses_links_the_same_way(layout):
    """Not root: the same refusals, and ownership can only be the user's own (agent_files needs only the stdlib, so
    the user's own interpreter runs it from the repository)."""
    agent, protected = layout
    user = unprivileged_user()
    if os.geteuid() == 0:
        for path in (agent, agent / 'checks.d', agent / 'conf.d'):
            os.chown(path, user.pw_uid, user.pw_gid)
    (agent / 'checks.d' / 'random_number.py').symlink_to(protected / 'etc' / 'sudoers')
    (agent / 'conf.d' / 'random_number.d').symlink_to(protected / 'etc')
    before = snapshot(protected)
    # The checkout may sit in a folder the user cannot read (mktemp -d is 0700): give it a readable copy.
    readable = agent.parent / 'readable'
    (readable / 'datadog_exercise').mkdir(parents=True)
    shutil.copy(REPOSITORY / 'datadog_exercise' / 'agent_files.py', readable / 'datadog_exercise')
    script = UNPRIVILEGED_INSTALLER.format(repository=readable, agent=agent, user=UNPRIVILEGED)

    result = as_unprivileged(unprivileged_python(), '-c', script) if os.geteuid() == 0 else run_python(script)

    assert result.stdout.splitlines() == [
        link_message(agent, 'checks.d/random_number.py').removeprefix('Error: ').rstrip(),
        link_message(agent, 'conf.d/random_number.d').removeprefix('Error: ').rstrip(),
        link_message(agent, 'checks.d/random_number.py').removeprefix('Error: ').rstrip(),
        f'wrote checks.d/new.py owned by {user.pw_uid}',
    ], result.stderr
    assert snapshot(protected) == before


def run_python(script):
    return subprocess.run([sys.executable, '-c', script], capture_output=True, text=True)


UNPRIVILEGED_INSTALLER = """
import os, sys
sys.path.insert(0, '{repository}')
from datadog_exercise.agent_files import AgentFolder, Owner, UnsafePath
folder = AgentFolder('{agent}')
for attempt in (
    lambda: folder.write('checks.d/random_number.py', b'x', 0o644, Owner.user('{user}')),
    lambda: folder.write('conf.d/random_number.d/conf.yaml', b'x', 0o640, Owner.user('{user}')),
    lambda: folder.remove('checks.d/random_number.py'),
):
    try:
        attempt()
    except UnsafePath as error:
        print(error)
folder.write('checks.d/new.py', b'x', 0o644, Owner.user('{user}'))
print('wrote checks.d/new.py owned by', os.stat('{agent}/checks.d/new.py').st_uid)
"""


# ---- the whole family, generated ---------------------------------------------------------------------------------

SLOTS = (
    'checks.d',
    'checks.d/random_number.py',
    'checks.d/.random_number.py.tmp',
    'conf.d',
    'conf.d/random_number.d',
    'conf.d/random_number.d/conf.yaml',
    'conf.d/random_number.d/conf.yaml.example',
)
PLANTS = (
    'absent',
    'shipped',
    'edited',
    'folder',
    'fifo',
    'link-to-file',
    'link-to-folder',
    'dangling-link',
    'hard-link',
)


def plant(path, kind, protected):
    if kind == 'absent':
        return
    if kind in ('shipped', 'edited'):
        shipped = SHIPPED_MODULE if path.suffix == '.py' else SHIPPED_CONFIG
        path.write_bytes(shipped if kind == 'shipped' else shipped + b'# edited\n')
    elif kind == 'folder':
        path.mkdir()
    elif kind == 'fifo':
        os.mkfifo(path)
    elif kind == 'link-to-file':
        path.symlink_to(protected / 'shadow')
    elif kind == 'link-to-folder':
        path.symlink_to(protected / 'etc')
    elif kind == 'dangling-link':
        path.symlink_to(protected / 'etc' / path.name)
    else:
        os.link(protected / 'shadow', path)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plants=st.fixed_dictionaries({slot: st.sampled_from(PLANTS) for slot in SLOTS}))
def test_any_planted_layout_leaves_everything_outside_the_agent_folder_as_it_was(layout, plants):
    agent, protected = layout
    for child in (agent / 'checks.d', agent / 'conf.d'):  # the previous example's plants
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink(missing_ok=True)  # rmtree would open a FIFO, and wait forever
    for slot in SLOTS:  # parents come first; a child is planted only inside a real folder
        path = agent / slot
        if path.parent.is_dir() and not path.parent.is_symlink():
            plant(path, plants[slot], protected)
    before = snapshot(protected, link_counts=False)
    owner = UNPRIVILEGED if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name

    for steps in (
        lambda: install_steps(agent, ['random_number'], owner=owner),
        lambda: uninstall_steps(agent, ['random_number']),
    ):
        with contextlib.suppress(UnsafePath):  # a refusal names the path; anything else is a failure
            for step in steps():
                step.run(False, lambda text: None)

    assert snapshot(protected, link_counts=False) == before
