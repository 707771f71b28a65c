"""`datadog-exercise install`: put the checks and their configurations into an Agent's folders.

Each check goes to `<agent-dir>/checks.d/<name>.py` and its configuration to
`<agent-dir>/conf.d/<name>.d/conf.yaml`. Running it again changes nothing. A configuration that
differs from the shipped one is the user's: it is kept, and the shipped one is written beside it
as `conf.yaml.example` (which the Agent ignores). Files belong to `dd-agent` where that user exists.
"""

import contextlib
import grp
import json
import os
import pwd
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import __version__, paths
from .checks import NEEDS_PACKAGE

DISTRIBUTION = 'datadog-exercise'
EMBEDDED_PIP_CANDIDATES = ('/opt/datadog-agent/embedded/bin/pip', '/opt/datadog-agent/embedded/bin/pip3')


class InstallError(Exception):
    """A step failed; the message says what to do."""


@dataclass(frozen=True)
class Step:
    """One change to the Agent's folders; `apply` does it, `text` says it."""

    text: str
    apply: object  # a callable, or None for a step that only informs

    def run(self, dry_run, echo):
        echo(('would ' if dry_run else '') + self.text if self.apply else self.text)
        if self.apply and not dry_run:
            self.apply()


def install_steps(agent_dir, checks, owner='dd-agent', embedded_pip=None):
    agent_dir = Path(agent_dir)
    steps = []
    needed_packages = []
    for name in checks:
        module = paths.CHECKSD / f'{name}.py'
        config = paths.confd() / f'{name}.d' / 'conf.yaml'
        steps += _copy_steps(module, agent_dir / 'checks.d' / f'{name}.py', owner, mode=0o644)
        steps += _config_steps(config, agent_dir / 'conf.d' / f'{name}.d', owner)
        if name in NEEDS_PACKAGE:
            needed_packages.append(name)
    if needed_packages:
        steps += _package_steps(needed_packages, embedded_pip)
    return steps


def uninstall_steps(agent_dir, checks):
    agent_dir = Path(agent_dir)
    steps = []
    for name in checks:
        shipped_module = paths.CHECKSD / f'{name}.py'
        shipped_config = paths.confd() / f'{name}.d' / 'conf.yaml'
        folder = agent_dir / 'conf.d' / f'{name}.d'
        for installed, shipped in (
            (agent_dir / 'checks.d' / f'{name}.py', shipped_module),
            (folder / 'conf.yaml', shipped_config),
            (folder / 'conf.yaml.example', shipped_config),
        ):
            if not installed.exists():
                continue
            if _same(installed, shipped):
                steps.append(Step(f'remove {installed}', installed.unlink))
            else:
                steps.append(Step(f'keep {installed}: it differs from what this package installs', None))
        steps.append(Step(f'remove {folder} if empty', lambda folder=folder: _remove_if_empty(folder)))
    if any(name in NEEDS_PACKAGE for name in checks):
        steps.append(
            Step(
                f"the {DISTRIBUTION} package stays in the Agent's Python; remove it with: "
                f'sudo -Hu dd-agent {EMBEDDED_PIP_CANDIDATES[0]} uninstall {DISTRIBUTION}',
                None,
            )
        )
    return steps


def _copy_steps(source, target, owner, mode):
    if target.exists() and _same(source, target):
        return [Step(f'keep {target}: already up to date', None)]
    return [Step(f'copy {source.name} to {target}', lambda: _write(target, source.read_bytes(), mode, owner))]


def _config_steps(shipped, folder, owner):
    target = folder / 'conf.yaml'
    example = folder / 'conf.yaml.example'
    if not target.exists():
        return [Step(f'write {target}', lambda: _write(target, shipped.read_bytes(), 0o640, owner))]
    if _same(shipped, target):
        return [Step(f'keep {target}: already up to date', None)]
    steps = [Step(f'keep {target}: it differs from the shipped configuration, so it is yours', None)]
    if not (example.exists() and _same(shipped, example)):
        steps.append(
            Step(
                f'write the shipped configuration to {example}',
                lambda: _write(example, shipped.read_bytes(), 0o640, owner),
            )
        )
    return steps


def _package_steps(checks, embedded_pip):
    spec = package_spec()
    pip = embedded_pip or next((p for p in EMBEDDED_PIP_CANDIDATES if os.access(p, os.X_OK)), None)
    needs = ', '.join(checks)
    # --no-deps: the Agent's Python has its own pinned datadog-checks-base, requests, lxml...; they must never
    # be upgraded or downgraded for this package. The import check below says if something is missing.
    if pip is None:
        command = f'sudo -Hu dd-agent {EMBEDDED_PIP_CANDIDATES[0]} install --no-deps {shlex.quote(spec)}'
        message = f"{needs} needs the {DISTRIBUTION} package in the Agent's embedded Python, and no embedded pip was "
        return [Step(message + f'found; run: {command}', None)]
    command = [str(pip), 'install', '--disable-pip-version-check', '--no-deps', spec]
    steps = [
        Step(
            f"install {spec} into the Agent's Python for {needs}: {shlex.join(command)}",
            lambda: subprocess.run(command, check=True),
        )
    ]
    python = next(
        (Path(pip).with_name(name) for name in ('python3', 'python') if Path(pip).with_name(name).exists()), None
    )
    if python is None:
        return [*steps, Step(f'cannot check the import: no python next to {pip}', None)]
    modules = [f'datadog_exercise.checks.{name}' for name in checks]
    return [
        *steps,
        Step(
            f"check that the Agent's Python ({python}) imports {', '.join(modules)}",
            lambda: _check_imports(python, modules, pip),
        ),
    ]


def _check_imports(python, modules, pip):
    result = subprocess.run([str(python), '-c', f'import {", ".join(modules)}'], capture_output=True, text=True)
    if result.returncode:
        reason = (result.stderr.strip().splitlines() or ['no error text'])[-1]
        raise InstallError(
            f"the Agent's Python cannot import the check ({reason}): "
            f'install what is missing with {pip} install <package>'
        )


def package_spec():
    """What to give the Agent's pip: where this package was installed from, or its release on PyPI."""
    try:
        origin = json.loads(metadata.distribution(DISTRIBUTION).read_text('direct_url.json') or '{}')
    except metadata.PackageNotFoundError:
        origin = {}
    url = origin.get('url', '')
    if url.startswith('file://'):
        return url.removeprefix('file://')
    return f'{DISTRIBUTION}=={__version__}'


def _same(first, second):
    try:
        return Path(first).read_bytes() == Path(second).read_bytes()
    except OSError:
        return False


def _write(target, content, mode, owner):
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f'.{target.name}.tmp')
    temporary.write_bytes(content)
    temporary.chmod(mode)
    _chown(temporary, owner)
    temporary.replace(target)
    _chown(target.parent, owner)


def _chown(path, owner):
    try:
        user = pwd.getpwnam(owner)
    except KeyError:
        return  # no such user here (a machine without the Agent): leave ownership as it is
    try:
        group = grp.getgrgid(user.pw_gid).gr_name
    except KeyError:
        group = user.pw_gid
    shutil.chown(path, user.pw_name, group)


def _remove_if_empty(folder):
    with contextlib.suppress(OSError):
        folder.rmdir()
