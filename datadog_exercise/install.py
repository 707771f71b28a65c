"""`datadog-exercise install`: put the checks and their configurations into an Agent's folders.

Each check goes to `<agent-dir>/checks.d/<name>.py` and its configuration to
`<agent-dir>/conf.d/<name>.d/conf.yaml`. Running it again changes nothing. A configuration that
differs from the shipped one is the user's: it is kept, and the shipped one is written beside it
as `conf.yaml.example` (which the Agent ignores). Files belong to `dd-agent` where that user exists.
"""

import json
import os
import shlex
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import __version__, paths
from .agent_files import AgentFolder, Owner
from .agent_user import AgentUser
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
    folder = AgentFolder(agent_dir)
    file_owner = Owner.user(owner)  # None where that user does not exist: ownership is left as it is
    steps = []
    needed_packages = []
    for name in checks:
        module = (paths.CHECKSD / f'{name}.py').read_bytes()
        config = (paths.confd() / f'{name}.d' / 'conf.yaml').read_bytes()
        steps += _copy_steps(folder, f'{name}.py', module, f'checks.d/{name}.py', file_owner, mode=0o644)
        steps += _config_steps(folder, config, f'conf.d/{name}.d', file_owner)
        if name in NEEDS_PACKAGE:
            needed_packages.append(name)
    if needed_packages:
        steps += _package_steps(needed_packages, embedded_pip, owner)
    return steps


def uninstall_steps(agent_dir, checks):
    folder = AgentFolder(agent_dir)
    steps = []
    for name in checks:
        shipped_module = (paths.CHECKSD / f'{name}.py').read_bytes()
        shipped_config = (paths.confd() / f'{name}.d' / 'conf.yaml').read_bytes()
        config_folder = f'conf.d/{name}.d'
        for installed, shipped in (
            (f'checks.d/{name}.py', shipped_module),
            (f'{config_folder}/conf.yaml', shipped_config),
            (f'{config_folder}/conf.yaml.example', shipped_config),
        ):
            current = folder.read(installed)
            if current is None:
                continue
            path = folder.root / installed
            if current == shipped:
                steps.append(Step(f'remove {path}', lambda installed=installed: folder.remove(installed)))
            else:
                steps.append(Step(f'keep {path}: it differs from what this package installs', None))
        steps.append(
            Step(
                f'remove {folder.root / config_folder} if empty',
                lambda config_folder=config_folder: folder.remove_folder_if_empty(config_folder),
            )
        )
    if any(name in NEEDS_PACKAGE for name in checks):
        steps.append(
            Step(
                f"the {DISTRIBUTION} package stays in the Agent's Python; remove it with: "
                f'sudo -Hu dd-agent {EMBEDDED_PIP_CANDIDATES[0]} uninstall {DISTRIBUTION}',
                None,
            )
        )
    return steps


def _copy_steps(folder, source_name, content, target, owner, mode):
    path = folder.root / target
    if folder.read(target) == content:
        return [Step(f'keep {path}: already up to date', None)]
    return [Step(f'copy {source_name} to {path}', lambda: folder.write(target, content, mode, owner))]


def _config_steps(folder, shipped, config_folder, owner):
    target = f'{config_folder}/conf.yaml'
    example = f'{config_folder}/conf.yaml.example'
    path = folder.root / target
    current = folder.read(target)
    if current is None:
        return [Step(f'write {path}', lambda: folder.write(target, shipped, 0o640, owner))]
    if current == shipped:
        return [Step(f'keep {path}: already up to date', None)]
    steps = [Step(f'keep {path}: it differs from the shipped configuration, so it is yours', None)]
    if folder.read(example) != shipped:
        steps.append(
            Step(
                f'write the shipped configuration to {folder.root / example}',
                lambda: folder.write(example, shipped, 0o640, owner),
            )
        )
    return steps


def _package_steps(checks, embedded_pip, owner):
    spec = package_spec()
    pip = embedded_pip or next((p for p in EMBEDDED_PIP_CANDIDATES if os.access(p, os.X_OK)), None)
    needs = ', '.join(checks)
    # --no-deps: the Agent's Python has its own pinned datadog-checks-base, requests, lxml...; they must never
    # be upgraded or downgraded for this package. The import check below says if something is missing.
    # A local wheel is reinstalled from the file even when its version is installed already (the source may have
    # changed since), and nothing is fetched for it (--no-index).
    options = ['--no-deps', *(['--no-index', '--force-reinstall'] if spec.endswith('.whl') else [])]
    if pip is None:
        command = shlex.join(['sudo', '-Hu', owner, EMBEDDED_PIP_CANDIDATES[0], 'install', *options, spec])
        message = f"{needs} needs the {DISTRIBUTION} package in the Agent's embedded Python, and no embedded pip was "
        return [Step(message + f'found; run: {command}', None)]
    agent_user = AgentUser.of(owner)
    command = [str(pip), 'install', '--disable-pip-version-check', *options, spec]
    steps = [
        Step(
            f"install {spec} into the Agent's Python for {needs}{agent_user.as_text}: {shlex.join(command)}",
            lambda: subprocess.run(command, check=True, **agent_user.subprocess_options()),
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
            lambda: _check_imports(python, modules, pip, agent_user),
        ),
    ]


def _check_imports(python, modules, pip, agent_user):
    result = subprocess.run(
        [str(python), '-c', f'import {", ".join(modules)}'],
        capture_output=True,
        text=True,
        **agent_user.subprocess_options(),
    )
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
