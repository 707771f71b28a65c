"""The VM of vagrant/: its definition, checked by Vagrant itself, and its provisioning script.

No VM boots here. `vagrant up` is run only where it must stop before choosing a provider, and always with a
provider that does not exist. The script runs end to end in its mode without the Agent (PROVISION_SKIP_AGENT=1):
the package built into a wheel, installed into a fresh virtualenv and a stand-in of the Agent's Python, the
checks into a temporary Agent folder, the Agent's MySQL account on the session's MariaDB. Its Agent steps run
function by function: datadog.yaml in a temporary folder, MariaDB's settings in a real mariadbd, the
verification against a stand-in `datadog-agent` whose `check` is the project's runner.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from datadog_exercise import __version__, paths
from datadog_exercise.as_code.connection import SITES

import mysql_server
from support import REPOSITORY, embedded_pip, stand_in_agent, virtualenv_sharing_the_test_dependencies

VAGRANT_DIR = REPOSITORY / 'vagrant'
PROVISION = VAGRANT_DIR / 'provision.sh'
API_KEY = '0123456789abcdef0123456789abcdef'  # an API key's shape (32 hex digits); sent nowhere
APPLICATION_KEY = '0123456789abcdef0123456789abcdef01234567'
NO_PROVIDER = 'no-such-provider'  # were `vagrant up` to go on, it could start nothing

NO_API_KEY = (
    'error: DD_API_KEY is not set: the provisioner installs the Datadog Agent, which needs your API key. '
    'Run DD_API_KEY=<your API key> DD_SITE=<your site> vagrant up (or vagrant up --no-provision '
    'to start a VM that is already provisioned).\n'
)
NOT_AN_API_KEY = (
    'error: DD_API_KEY is not a Datadog API key (32 hexadecimal characters; an application key has 40): '
    'copy an API key from Organization Settings > API Keys.\n'
)


def tool(name, package):
    path = shutil.which(name)
    if path is None:
        message = f'{name} not found: install Debian package {package} (scripts/test does)'
        if os.environ.get('CI') == 'true':
            pytest.fail(message)
        pytest.skip(message)
    return path


def environment(**settings):
    """This process's environment without the developer's Datadog, MySQL, Vagrant or provisioning settings."""
    prefixes = ('DD_', 'DATADOG_', 'MYSQL_', 'PROVISION_', 'VAGRANT_')
    kept = {name: value for name, value in os.environ.items() if not name.startswith(prefixes)}
    return {**kept, **settings}


def provision(**settings):
    # Run from elsewhere than the repository, as in the VM, where nothing imports from the working folder.
    return subprocess.run(
        [str(PROVISION)], env=environment(**settings), capture_output=True, text=True, timeout=300, cwd='/'
    )


def call(script, *args, **settings):
    """Bash SCRIPT after sourcing provision.sh (which then only defines its functions); "$1"... are ARGS."""
    return subprocess.run(
        ['bash', '-c', f'source {shlex.quote(str(PROVISION))}\n{script}', 'bash', *map(str, args)],
        env=environment(**settings),
        capture_output=True,
        text=True,
        timeout=60,
    )


# ---- the Vagrantfile, read by Vagrant ---------------------------------------------------------------------------


@pytest.fixture(scope='module')
def vagrant_home(tmp_path_factory):
    return tmp_path_factory.mktemp('vagrant-home')


@pytest.fixture
def vagrant(vagrant_home, tmp_path):
    binary = tool('vagrant', 'vagrant')

    def run(*args, **settings):
        env = {
            'VAGRANT_HOME': str(vagrant_home),
            'VAGRANT_DOTFILE_PATH': str(tmp_path / 'dotfile'),  # not vagrant/.vagrant in the repository
            'VAGRANT_CHECKPOINT_DISABLE': '1',  # no version check over the network
            **settings,
        }
        return subprocess.run(
            [binary, *args], cwd=VAGRANT_DIR, env=environment(**env), capture_output=True, text=True, timeout=60
        )

    run.machines = tmp_path / 'dotfile' / 'machines'
    return run


@pytest.mark.parametrize('api_key', [None, API_KEY], ids=['without DD_API_KEY', 'with DD_API_KEY'])
def test_vagrant_validates_the_vagrantfile(vagrant, api_key):
    result = vagrant('validate', '--ignore-provider', **({'DD_API_KEY': api_key} if api_key else {}))

    assert result.returncode == 0, result.stdout + result.stderr
    assert 'Vagrantfile validated successfully.' in result.stdout


@pytest.mark.parametrize('command', [['up'], ['provision'], ['reload', '--provision']], ids=' '.join)
def test_a_provisioning_command_without_dd_api_key_stops_before_anything_starts(vagrant, command):
    result = vagrant(*command, VAGRANT_DEFAULT_PROVIDER=NO_PROVIDER)

    assert (result.returncode, result.stderr, result.stdout) == (1, NO_API_KEY, '')
    assert not vagrant.machines.exists()


def test_an_application_key_given_as_dd_api_key_stops_vagrant_up(vagrant):
    result = vagrant('up', VAGRANT_DEFAULT_PROVIDER=NO_PROVIDER, DD_API_KEY=APPLICATION_KEY)

    assert (result.returncode, result.stderr, result.stdout) == (1, NOT_AN_API_KEY, '')


@pytest.mark.parametrize('site', ['datadoghq.fr', 'app.datadoghq.com', ''])
def test_an_unknown_dd_site_stops_vagrant_up_before_anything_starts(vagrant, site):
    result = vagrant('up', VAGRANT_DEFAULT_PROVIDER=NO_PROVIDER, DD_API_KEY=API_KEY, DD_SITE=site)

    assert (result.returncode, result.stdout) == (1, '')
    assert result.stderr == f'error: DD_SITE={site} is not a Datadog site: set it to one of {", ".join(SITES)}.\n'
    assert not vagrant.machines.exists()


def test_with_an_api_key_vagrant_up_goes_on_to_the_provider(vagrant):
    result = vagrant('up', '--provider', NO_PROVIDER, DD_API_KEY=API_KEY)

    assert result.returncode == 1
    assert f"The provider '{NO_PROVIDER}' could not be found" in result.stderr
    assert 'DD_API_KEY' not in result.stderr


def test_starting_the_vm_without_provisioning_needs_no_api_key(vagrant):
    result = vagrant('up', '--no-provision', '--provider', NO_PROVIDER)

    assert result.returncode == 1
    assert f"The provider '{NO_PROVIDER}' could not be found" in result.stderr
    assert 'DD_API_KEY' not in result.stderr


# ---- provision.sh: lint and refusals -----------------------------------------------------------------------------


def test_the_provisioning_script_is_shellcheck_clean():
    result = subprocess.run([tool('shellcheck', 'shellcheck'), str(PROVISION)], capture_output=True, text=True)

    assert (result.returncode, result.stdout, result.stderr) == (0, '', '')


def test_provisioning_without_dd_api_key_stops_at_once():
    result = provision(PROJECT_DIR=str(REPOSITORY))

    assert result.returncode == 1
    assert result.stdout == ''
    assert result.stderr == (
        'error: DD_API_KEY is not set: give your Datadog API key in the environment (on the host for vagrant up), '
        'or set PROVISION_SKIP_AGENT=1 to skip the Agent\n'
    )


def test_provisioning_with_an_application_key_stops_at_once():
    result = provision(DD_API_KEY=APPLICATION_KEY)

    assert (result.returncode, result.stdout) == (1, '')
    assert result.stderr == NOT_AN_API_KEY
    assert APPLICATION_KEY not in result.stderr


def test_provisioning_for_an_unknown_site_names_the_sites():
    result = provision(DD_API_KEY=API_KEY, DD_SITE='datadoghq.fr')

    assert (result.returncode, result.stdout) == (1, '')
    assert result.stderr == f'error: DD_SITE=datadoghq.fr is not a Datadog site: set it to one of {", ".join(SITES)}.\n'


def test_an_unknown_skip_value_is_refused():
    result = provision(PROVISION_SKIP_AGENT='yes')

    assert (result.returncode, result.stdout) == (1, '')
    assert result.stderr == 'error: PROVISION_SKIP_AGENT=yes: set it to 1 (no Agent, no root) or leave it unset\n'


def test_a_project_dir_that_is_not_the_repository_is_refused(tmp_path):
    result = provision(PROVISION_SKIP_AGENT='1', PROJECT_DIR=str(tmp_path))

    assert (result.returncode, result.stdout) == (1, '')
    assert result.stderr == (
        f"error: PROJECT_DIR={tmp_path} holds no pyproject.toml: set PROJECT_DIR to this repository's folder\n"
    )


# ---- provision.sh: the Agent's datadog.yaml ----------------------------------------------------------------------

# datadog.yaml as the Agent's install script leaves it (abridged): the key and site set, the rest commented out.
INSTALLED_DATADOG_YAML = textwrap.dedent(
    f"""\
    ## @param api_key - string - required
    ## The Datadog API key used by your Agent to submit metrics and events to Datadog.
    api_key: {API_KEY}

    ## @param site - string - optional - default: datadoghq.com
    site: datadoghq.eu

    ## @param tags  - list of key:value elements - optional
    # tags:
    #   - team:infra
    #   - <TAG_KEY>:<TAG_VALUE>

    ## @param env - string - optional
    # env: <environment name>

    # apm_config:
    #   enabled: true
    #   receiver_port: 8126
    """
)
HOST_SETTINGS = textwrap.dedent(
    """\
    # BEGIN datadog-exercise: host tags, env and APM. vagrant/provision.sh rewrites this block.
    tags:
      - project:datadog-exercise
      - role:exercise-vm
      - provisioner:vagrant
    env: exercise
    apm_config:
      enabled: true
    # END datadog-exercise
    """
)


def configure_agent(agent_dir, api_key=API_KEY, site='datadoghq.eu'):
    return call('agent_dir=$1 && configure_agent', agent_dir, DD_API_KEY=api_key, DD_SITE=site)


@pytest.fixture
def installed_agent_dir(tmp_path):
    (tmp_path / 'datadog.yaml').write_text(INSTALLED_DATADOG_YAML)
    return tmp_path


def test_host_tags_env_and_apm_go_into_one_block_at_the_end_of_datadog_yaml(installed_agent_dir):
    config = installed_agent_dir / 'datadog.yaml'

    result = configure_agent(installed_agent_dir)

    assert result.returncode == 0, result.stderr
    assert config.read_text() == INSTALLED_DATADOG_YAML + HOST_SETTINGS
    assert yaml.safe_load(config.read_text()) == {
        'api_key': API_KEY,
        'site': 'datadoghq.eu',
        'tags': ['project:datadog-exercise', 'role:exercise-vm', 'provisioner:vagrant'],
        'env': 'exercise',
        'apm_config': {'enabled': True},
    }
    assert API_KEY not in result.stdout + result.stderr


def test_configuring_the_agent_again_changes_nothing(installed_agent_dir):
    config = installed_agent_dir / 'datadog.yaml'
    configure_agent(installed_agent_dir)
    written = config.stat().st_mtime_ns

    result = configure_agent(installed_agent_dir)

    assert result.returncode == 0, result.stderr
    assert config.read_text() == INSTALLED_DATADOG_YAML + HOST_SETTINGS
    assert config.stat().st_mtime_ns == written
    assert result.stdout.count(f'keep {config}: already up to date') == 3


def test_a_new_api_key_and_site_replace_the_old_ones_in_place(installed_agent_dir):
    config = installed_agent_dir / 'datadog.yaml'
    configure_agent(installed_agent_dir)
    new_key = 'fedcba9876543210fedcba9876543210'

    result = configure_agent(installed_agent_dir, api_key=new_key, site='us5.datadoghq.com')

    assert result.returncode == 0, result.stderr
    expected = INSTALLED_DATADOG_YAML.replace(API_KEY, new_key).replace('site: datadoghq.eu', 'site: us5.datadoghq.com')
    assert config.read_text() == expected + HOST_SETTINGS


def test_a_site_left_commented_out_by_the_install_script_is_set(installed_agent_dir):
    config = installed_agent_dir / 'datadog.yaml'
    config.write_text(INSTALLED_DATADOG_YAML.replace('site: datadoghq.eu', '# site: datadoghq.com'))

    configure_agent(installed_agent_dir, site='ap1.datadoghq.com')

    assert yaml.safe_load(config.read_text())['site'] == 'ap1.datadoghq.com'


def test_tags_set_elsewhere_in_datadog_yaml_are_refused_and_the_file_left_alone(installed_agent_dir):
    config = installed_agent_dir / 'datadog.yaml'
    mine = INSTALLED_DATADOG_YAML.replace('# tags:\n#   - team:infra', 'tags:\n  - team:infra')
    config.write_text(mine)

    result = configure_agent(installed_agent_dir)

    assert result.returncode == 1
    assert result.stderr == (
        f"error: {config} already sets tags on the line 'tags:': remove it; the host's tags, env and APM settings "
        'are in the block that provision.sh writes (edit HOST_TAGS and ENVIRONMENT in the script)\n'
    )
    assert config.read_text() == mine


# ---- provision.sh: the app's service, the Agent's status ---------------------------------------------------------


def test_the_apm_unit_runs_the_app_traced_from_the_virtualenv_and_passes_systemd_verification(tmp_path):
    venv = Path(sys.prefix)  # this virtualenv has ddtrace-run and datadog-exercise, as the VM's has
    rendered = call('venv=$1 && project_dir=$2 && apm_unit', venv, REPOSITORY)
    unit = tmp_path / 'datadog-exercise-apm.service'
    unit.write_text(rendered.stdout)

    assert rendered.returncode == 0, rendered.stderr
    [exec_start] = [line for line in rendered.stdout.splitlines() if line.startswith('ExecStart=')]
    assert exec_start == (
        f'ExecStart={venv}/bin/ddtrace-run {venv}/bin/datadog-exercise apm serve --host 0.0.0.0 --port 5050'
    )
    analyze = shutil.which('systemd-analyze')
    if analyze is None:
        pytest.skip('systemd-analyze not found (Debian package systemd): the unit was not verified')
    verified = subprocess.run([analyze, 'verify', str(unit)], capture_output=True, text=True)
    assert (verified.returncode, verified.stderr) == (0, '')


def test_waiting_for_a_service_that_never_answers_fails_naming_its_log():
    result = call('wait_for 1 "the APM app" "journalctl -u datadog-exercise-apm.service" false')

    assert (result.returncode, result.stdout) == (1, '')
    assert (
        result.stderr == 'error: the APM app is not ready after 1 s: see journalctl -u datadog-exercise-apm.service\n'
    )


def test_waiting_for_a_service_ends_when_it_answers(tmp_path):
    ready = tmp_path / 'ready'
    result = call('(sleep 0.5 && touch "$1") & wait_for 10 "the app" "its log" test -e "$1"', ready)

    assert (result.returncode, result.stdout, result.stderr) == (0, '', '')


# ---- provision.sh: MariaDB's settings, the order of the steps, the checks under the Agent ------------------------


def test_the_mariadb_settings_turn_performance_schema_on_in_a_real_mariadbd(tmp_path):
    rendered = call('mariadb_settings')
    settings = tmp_path / '60-datadog-exercise.cnf'
    settings.write_text(rendered.stdout)

    with mysql_server.started(tmp_path / 'server', settings_file=settings) as server:
        enabled = server.run('SELECT @@GLOBAL.performance_schema')

    assert rendered.returncode == 0, rendered.stderr
    assert enabled == ((1,),)


STEPS = [
    'install_agent',
    'configure_agent',
    'install_mariadb',
    'install_package',
    'install_checks',
    'set_up_mysql',
    'install_apm_service',
    'restart_agent',
    'send_traffic',
    'verify_agent',
]


def test_the_app_gets_its_traffic_after_the_agent_restarts_and_everything_is_verified_last():
    # A restart empties the trace-agent's counts: the traffic that verify_agent looks for is sent after it.
    stubs = ' '.join(f'{step}() {{ echo {step}; }};' for step in ['load_settings', *STEPS])

    result = call(f'{stubs} skip_agent=0 main')

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ['load_settings', *STEPS, 'Provisioned.']


@pytest.fixture
def agent_layout(tmp_path):
    """A stand-in `datadog-agent` over a temporary checks.d and conf.d (the runner prints what the Agent prints),
    whose trace-agent counted the app's traces."""
    (tmp_path / 'checks.d').mkdir()
    (tmp_path / 'conf.d').mkdir()
    status = tmp_path / 'status.json'
    receiver = [{'Lang': 'python', 'TracerVersion': '2.14.0', 'TracesReceived': 20}]
    status.write_text(json.dumps({'apmStats': {'receiver': receiver}}))
    return tmp_path, stand_in_agent(tmp_path, status)


def random_number(folder, instance):
    (folder / 'checks.d' / 'random_number.py').write_bytes((paths.CHECKSD / 'random_number.py').read_bytes())
    (folder / 'conf.d' / 'random_number.d').mkdir()
    (folder / 'conf.d' / 'random_number.d' / 'conf.yaml').write_text(f'init_config:\ninstances:\n  - {instance}\n')


def verify_under_the_agent(agent, traces_wait=150):
    return call(
        'venv=$1 && agent_command=$2 && traces_wait=$3 && CHECKS=(random_number) && verify_agent',
        Path(sys.prefix),
        agent,
        traces_wait,
    )


def test_provisioning_ends_when_each_check_runs_under_the_agent_and_the_traces_arrived(agent_layout):
    folder, agent = agent_layout
    random_number(folder, '{min: 1, max: 5}')

    result = verify_under_the_agent(agent)

    assert result.returncode == 0, result.stdout + result.stderr
    assert [line.split(':')[0] for line in result.stdout.splitlines() if line[:4] in ('pass', 'FAIL')] == [
        'pass  random_number',
        'pass  traces from python',
    ]


@pytest.mark.parametrize(
    'instance, traces, failed',
    [
        ('{min: 10, max: 1}', 20, ('FAIL  random_number: ', '[ERROR] random_number:')),
        (None, 20, ('FAIL  random_number: ', 'random_number is not under Running Checks')),
        ('{min: 1, max: 5}', 0, ('FAIL  traces from python: ', 'none in the previous minute')),
    ],
    ids=['error-run', 'not-configured', 'no-traces'],
)
def test_provisioning_fails_naming_what_the_agent_did_not_do(agent_layout, instance, traces, failed):
    folder, agent = agent_layout
    if instance:
        random_number(folder, instance)
    if not traces:
        (folder / 'status.json').write_text(json.dumps({'apmStats': {'receiver': []}}))

    result = verify_under_the_agent(agent, traces_wait=0)

    assert result.returncode == 1
    what, why = failed
    assert any(line.startswith(what) and why in line for line in result.stdout.splitlines()), result.stdout
    assert result.stderr == (
        'error: the Agent does not run the whole exercise: see the FAIL lines above '
        f'(sudo -u dd-agent {agent} check <name> shows one run in full)\n'
    )


# ---- provision.sh end to end, without the Agent -------------------------------------------------------------------


@dataclass
class Provisioning:
    venv: Path
    wheel_dir: Path
    embedded_site: Path
    embedded_pip: Path
    agent_dir: Path
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess
    accounts_before: frozenset
    accounts_after_first: frozenset
    database_after_first: tuple
    database_after_second: tuple
    files_after_first: dict
    files_after_second: dict


def files(folder):
    return {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in sorted(folder.rglob('*')) if path.is_file()}


@pytest.fixture(scope='module')
def provisioned(mariadb_server, tmp_path_factory):
    top = tmp_path_factory.mktemp('provisioned')
    venv = virtualenv_sharing_the_test_dependencies(top / 'venv')
    embedded_site, pip = embedded_pip(top)
    agent_dir = top / 'agent'
    mariadb_server.reset()
    settings = {
        'PROVISION_SKIP_AGENT': '1',
        'PROJECT_DIR': str(REPOSITORY),
        'VENV': str(venv),
        'WHEEL_DIR': str(top / 'wheels'),
        'EMBEDDED_PIP': str(pip),
        'AGENT_DIR': str(agent_dir),
        'MYSQL_SOCKET': mariadb_server.socket,
        'MYSQL_PORT': str(mariadb_server.port),
        'MYSQL_ADMIN_PASSWORD': mariadb_server.root_password,
        # Everything the package needs is installed here: provisioning must not download anything, not even the
        # build backend (no build isolation).
        'PIP_NO_INDEX': '1',
    }
    accounts_before = mariadb_server.accounts()
    first = provision(**settings)
    assert first.returncode == 0, first.stdout + first.stderr
    accounts_after_first, database_after_first, files_after_first = (
        mariadb_server.accounts(),
        mariadb_server.snapshot(),
        files(agent_dir),
    )
    second = provision(**settings)
    assert second.returncode == 0, second.stdout + second.stderr
    return Provisioning(
        venv=venv,
        wheel_dir=top / 'wheels',
        embedded_site=embedded_site,
        embedded_pip=pip,
        agent_dir=agent_dir,
        first=first,
        second=second,
        accounts_before=accounts_before,
        accounts_after_first=accounts_after_first,
        database_after_first=database_after_first,
        database_after_second=mariadb_server.snapshot(),
        files_after_first=files_after_first,
        files_after_second=files(agent_dir),
    )


def test_without_the_agent_the_script_names_the_steps_it_skips(provisioned):
    lines = provisioned.first.stdout.splitlines()

    assert lines[0] == 'skip (PROVISION_SKIP_AGENT=1): the Agent, datadog.yaml and MariaDB'
    assert (
        "skip (PROVISION_SKIP_AGENT=1): the systemd service datadog-exercise-apm.service, the Agent's restart, "
        'and the checks and traces under the Agent'
    ) in lines
    assert lines[-1] == 'Provisioned.'


def test_the_package_is_built_once_into_a_wheel_that_the_virtualenv_installs(provisioned):
    [wheel] = provisioned.wheel_dir.iterdir()
    installed = subprocess.run(
        [
            provisioned.venv / 'bin' / 'python',
            '-c',
            'import datadog_exercise, importlib.metadata as m; '
            'print(datadog_exercise.__file__); print(m.distribution("datadog-exercise").read_text("direct_url.json"))',
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=provisioned.venv,
    )

    module, origin = installed.stdout.splitlines()
    assert wheel.name == f'datadog_exercise-{__version__}-py3-none-any.whl'
    assert Path(module).is_relative_to(provisioned.venv)
    assert Path(module).read_bytes() == (REPOSITORY / 'datadog_exercise' / '__init__.py').read_bytes()
    assert yaml.safe_load(origin)['url'] == wheel.as_uri()
    assert f'datadog-exercise, version {__version__}' in provisioned.first.stdout.splitlines()


def test_the_agents_python_gets_the_same_wheel_without_dependencies_or_downloads(provisioned):
    [wheel] = provisioned.wheel_dir.iterdir()

    assert (
        f"install {wheel} into the Agent's Python for elec_france: {provisioned.embedded_pip} install "
        f'--disable-pip-version-check --no-deps --no-index --force-reinstall {wheel}'
    ) in provisioned.first.stdout.splitlines()
    installed = provisioned.embedded_site / 'datadog_exercise' / 'elec_france' / 'check.py'
    assert installed.read_bytes() == (REPOSITORY / 'datadog_exercise' / 'elec_france' / 'check.py').read_bytes()


def test_the_checks_are_installed_into_the_agent_folder(provisioned):
    agent_dir = provisioned.agent_dir

    for name in ('random_number', 'elec_france'):
        shipped_config = paths.confd() / f'{name}.d' / 'conf.yaml'
        assert (agent_dir / 'checks.d' / f'{name}.py').read_bytes() == (paths.CHECKSD / f'{name}.py').read_bytes()
        assert (agent_dir / 'conf.d' / f'{name}.d' / 'conf.yaml').read_bytes() == shipped_config.read_bytes()


def test_the_agent_mysql_account_is_created_and_verified(provisioned, mariadb_server):
    config = yaml.safe_load((provisioned.agent_dir / 'conf.d' / 'mysql.d' / 'conf.yaml').read_text())
    [instance] = config['instances']

    anonymous = {(user, host) for user, host in provisioned.accounts_before if user == ''}
    assert anonymous, 'a fresh MariaDB has anonymous accounts, which --drop-anonymous drops'
    assert provisioned.accounts_after_first == provisioned.accounts_before - anonymous | {('datadog', '%')}
    assert (instance['host'], instance['port'], instance['username']) == ('127.0.0.1', mariadb_server.port, 'datadog')
    assert 'All 7 checks passed.' in provisioned.first.stdout.splitlines()
    output = provisioned.first.stdout + provisioned.first.stderr
    assert mariadb_server.root_password not in output
    assert instance['password'] not in output


def test_provisioning_again_changes_nothing(provisioned):
    assert provisioned.files_after_second == provisioned.files_after_first
    assert provisioned.database_after_second == provisioned.database_after_first
    checks_d = provisioned.agent_dir / 'checks.d'
    assert f'keep {checks_d}/random_number.py: already up to date' in provisioned.second.stdout.splitlines()
    assert 'All 7 checks passed.' in provisioned.second.stdout.splitlines()
