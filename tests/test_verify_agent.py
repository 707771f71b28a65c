"""`datadog-exercise verify-agent`: what the real Agent prints, read as the Agent's own code defines it.

The outputs come from the project's runner (`datadog-exercise check`, which prints what `datadog-agent check`
prints) for [OK], [WARNING], [ERROR], a check that cannot be loaded and a check that has no configuration; and
from the Agent's templates, written here line for line, for what the runner does not print: the Loading Errors,
Check Initialization Errors, Config Errors and Error initializing Python sections of collector.tmpl, the
`check` command's own error lines on stdout (pkg/cli/subcommands/check/command.go), colours, and the
trace-agent's receiver stats as `datadog-agent status --json` nests them.
"""

import json
import os
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datadog_exercise.agent_output import AgentOutputError, Instance, check_report, trace_receipts

from support import run_check, run_cli, stand_in_agent, write_check

WARNING_CHECK = textwrap.dedent(
    """
    from datadog_checks.base import AgentCheck

    class WarningCheck(AgentCheck):
        def check(self, instance):
            self.warning('RTE is out of reach')
    """
)
UNLOADABLE_CHECK = 'import no_such_module_anywhere\n'
UNCONFIGURABLE_CHECK = textwrap.dedent(
    """
    from datadog_checks.base import AgentCheck

    class UnconfigurableCheck(AgentCheck):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            raise ValueError('`url` is required')

        def check(self, instance):
            pass
    """
)
RANDOM_NUMBER_ERROR = (
    '`min` must not be greater than `max`, got min=10, max=1'  # the check's own message, see test_random_number
)


@pytest.fixture
def agent_layout(tmp_path):
    (tmp_path / 'checks.d').mkdir()
    (tmp_path / 'conf.d').mkdir()
    return tmp_path


def runner(agent_layout, name):
    """`datadog-exercise check NAME` on the temporary layout: the runner prints what the Agent prints."""
    result = run_check(agent_layout, name)
    return check_report(name, result.stdout + result.stderr, result.returncode), result


def random_number_config(agent_layout, *instances):
    from datadog_exercise import paths

    (agent_layout / 'checks.d' / 'random_number.py').write_bytes((paths.CHECKSD / 'random_number.py').read_bytes())
    folder = agent_layout / 'conf.d' / 'random_number.d'
    folder.mkdir(exist_ok=True)
    (folder / 'conf.yaml').write_text('init_config:\ninstances:\n' + ''.join(f'  - {i}\n' for i in instances))


# ---- the runner's outputs --------------------------------------------------------------------------------------


def test_an_ok_run_passes(agent_layout):
    random_number_config(agent_layout, '{min: 1, max: 5}')

    report, result = runner(agent_layout, 'random_number')

    assert result.returncode == 0
    assert report.passed and report.problems == ()
    [instance] = report.instances
    assert instance.status == 'OK' and instance.instance_id.startswith('random_number:')


def test_a_warning_run_passes_as_elec_france_offline_does(agent_layout):
    write_check(agent_layout, 'warner', WARNING_CHECK, 'init_config:\ninstances:\n  - {}\n')

    report, _ = runner(agent_layout, 'warner')

    assert report.passed
    assert [instance.status for instance in report.instances] == ['WARNING']


def test_an_error_run_fails_with_its_message(agent_layout):
    random_number_config(agent_layout, '{min: 10, max: 1}')

    report, _ = runner(agent_layout, 'random_number')

    assert not report.passed
    [instance] = report.instances
    assert instance.status == 'ERROR'
    assert report.problems == (f'[ERROR] {instance.instance_id}: {instance.error}',)
    assert 'min' in instance.error and 'max' in instance.error


def test_one_failing_instance_of_two_fails_the_check(agent_layout):
    random_number_config(agent_layout, '{min: 1, max: 5}', '{min: 10, max: 1}')

    report, result = runner(agent_layout, 'random_number')

    assert 'Multiple check instances found, running each of them' in result.stdout
    assert [instance.status for instance in report.instances] == ['OK', 'ERROR']
    assert not report.passed


def test_a_check_that_cannot_be_imported_fails_naming_the_loader_error(agent_layout):
    write_check(agent_layout, 'broken', UNLOADABLE_CHECK, 'init_config:\ninstances:\n  - {}\n')

    report, result = runner(agent_layout, 'broken')

    assert result.returncode == 255
    assert report.instances == ()
    # Each loader's error, and the exception at the end of the traceback under it.
    assert report.problems[0].startswith('could not load broken: ')
    assert 'Python Check Loader: ' in report.problems[0]
    assert report.problems[0].endswith("ModuleNotFoundError: No module named 'no_such_module_anywhere'")
    assert 'datadog-agent check: no valid check found' in report.problems
    assert 'broken is not under Running Checks: the Agent did not run it' in report.problems


def test_a_check_whose_constructor_fails_fails_naming_the_error(agent_layout):
    write_check(agent_layout, 'unconfigurable', UNCONFIGURABLE_CHECK, 'init_config:\ninstances:\n  - {}\n')

    report, _ = runner(agent_layout, 'unconfigurable')

    assert not report.passed
    assert '`url` is required' in report.problems[0]


HALFWAY_CHECK = textwrap.dedent(
    """
    from datadog_checks.base import AgentCheck

    class HalfwayCheck(AgentCheck):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.instance.get('broken'):
                raise ValueError('`url` is required')

        def check(self, instance):
            self.gauge('halfway.ok', 1)
    """
)


def test_an_instance_that_cannot_be_configured_fails_the_check_though_another_ran(agent_layout):
    write_check(agent_layout, 'halfway', HALFWAY_CHECK, 'init_config:\ninstances:\n  - {}\n  - {broken: true}\n')

    report, result = runner(agent_layout, 'halfway')

    assert 'Check Initialization Errors' in result.stdout and 'Loading Errors' in result.stdout
    assert [instance.status for instance in report.instances] == ['OK']
    assert not report.passed
    sections = [problem.split(':')[0] for problem in report.problems]
    assert sections == ['Check Initialization Errors', 'Loading Errors']
    assert all(problem.endswith('ValueError: `url` is required') for problem in report.problems)


def test_a_check_without_configuration_fails_as_not_run(agent_layout):
    report, result = runner(agent_layout, 'random_number')

    assert result.returncode == 255
    assert not report.passed
    assert report.problems[-1] == 'random_number is not under Running Checks: the Agent did not run it'


def test_another_checks_block_does_not_count(agent_layout):
    random_number_config(agent_layout, '{min: 1, max: 5}')
    _, result = runner(agent_layout, 'random_number')

    report = check_report('mysql', result.stdout, 0)

    assert report.problems == ('mysql is not under Running Checks: the Agent did not run it',)


# ---- the Agent's own formats, beyond what the runner prints ----------------------------------------------------

# collector.tmpl rendered for two mysql instances, one of which failed to load: Running Checks shows the one that
# loaded, Loading Errors the loaders that failed, Check Initialization Errors the configure error.
COLLECTOR_WITH_ERROR_SECTIONS = """\
=== Series ===
[]

  Running Checks
  ==============
    
    mysql (15.3.0)
    --------------
      Instance ID: mysql:0123456789abcdef [OK]
      Configuration Source: file:/etc/datadog-agent/conf.d/mysql.d/conf.yaml
      Total Runs: 1
      Metric Samples: Last Run: 74, Total: 74
      
  Check Initialization Errors
  ===========================

    
      mysql (15.3.0)
      --------------

      instance 1:

        could not invoke 'mysql' python check constructor. New constructor API returned:
Traceback (most recent call last):
  File "/opt/datadog-agent/embedded/lib/python3.12/site-packages/datadog_checks/mysql/mysql.py", line 98, in __init__
ValueError: `host` is required
  Loading Errors
  ==============
    mysql
    -----
      Core Check Loader:
        Check mysql not found in Catalog
        
      Python Check Loader:
        could not configure check instance for python check mysql: could not invoke 'mysql' python check constructor
        

  Metadata
  ========
    config.hash: mysql:0123456789abcdef
"""


def test_loading_and_initialization_errors_fail_the_check_even_when_an_instance_ran():
    report = check_report('mysql', COLLECTOR_WITH_ERROR_SECTIONS, 0)

    assert report.instances == (Instance('mysql:0123456789abcdef', 'OK'),)
    assert not report.passed
    initialization, loading = report.problems
    # The traceback under the message is not indented: it is read up to its last line, the error.
    assert initialization.startswith(
        "Check Initialization Errors: instance 1: could not invoke 'mysql' python check constructor. "
    )
    assert initialization.endswith('ValueError: `host` is required')
    assert loading == (
        'Loading Errors: Core Check Loader: Check mysql not found in Catalog Python Check Loader: could not configure '
        "check instance for python check mysql: could not invoke 'mysql' python check constructor"
    )


def test_the_error_sections_about_other_checks_do_not_count():
    report = check_report(
        'mysql', COLLECTOR_WITH_ERROR_SECTIONS.replace('    mysql\n    -----\n', '    ntp\n    ---\n'), 0
    )

    assert [problem.split(':')[0] for problem in report.problems] == ['Check Initialization Errors']


# command.go when no instance loads: on stdout, `Error` in red on a terminal, then cobra's error; exit 255.
COULD_NOT_LOAD = (
    '\n\x1b[31mError\x1b[0m: could not load \x1b[33melec_france\x1b[0m:\n'
    "* \x1b[33mPython Check Loader\x1b[0m: unable to import module 'elec_france': No module named "
    "'datadog_exercise'\n"
    '* \x1b[33mCore Check Loader\x1b[0m: Check elec_france not found in Catalog\n'
    'Error: no valid check found\n'
)


def test_the_agents_could_not_load_lines_are_read_with_their_colours():
    report = check_report('elec_france', COULD_NOT_LOAD, 255)

    assert report.problems == (
        "could not load elec_france: Python Check Loader: unable to import module 'elec_france': No module named "
        "'datadog_exercise'; Core Check Loader: Check elec_france not found in Catalog",
        'datadog-agent check: no valid check found',
        'elec_france is not under Running Checks: the Agent did not run it',
    )


def test_an_invalid_config_line_names_the_error():
    output = '\nError: invalid config for mysql: yaml: line 3: mapping values are not allowed in this context\n'

    report = check_report('mysql', output + 'Error: no valid check found\n', 255)

    assert (
        report.problems[0] == 'invalid config for mysql: yaml: line 3: mapping values are not allowed in this context'
    )


def test_python_that_failed_to_initialise_fails_every_python_check():
    output = '  Error initializing Python\n  =========================\n    - could not load libpython3.12\n    \n'
    coloured_ok = (
        '  Running Checks\n  ==============\n    mysql\n    -----\n      Instance ID: mysql:1 [\x1b[32mOK\x1b[0m]\n'
    )

    report = check_report('mysql', output + coloured_ok, 0)

    assert report.instances == (Instance('mysql:1', 'OK'),)
    assert report.problems == ('Error initializing Python: could not load libpython3.12',)


def test_an_error_run_shows_the_first_line_of_the_agents_error_message():
    block = (
        '  Running Checks\n  ==============\n    mysql (15.3.0)\n    --------------\n'
        '      Instance ID: mysql:0123456789abcdef [ERROR]\n      Total Runs: 1\n'
        "      Error: (1045, \"Access denied for user 'datadog'@'localhost' (using password: YES)\")\n"
        '      Traceback (most recent call last):\n        File "mysql.py", line 1, in check\n'
    )

    report = check_report('mysql', block, 0)

    assert report.problems == (
        '[ERROR] mysql:0123456789abcdef: '
        "(1045, \"Access denied for user 'datadog'@'localhost' (using password: YES)\")",
    )


@settings(max_examples=300, deadline=None)
@given(output=st.text(max_size=2000), exit_status=st.integers(0, 255))
def test_any_output_is_read_without_error_and_passes_only_with_a_clean_run_line(output, exit_status):
    report = check_report('mysql', output, exit_status)

    if report.passed:
        assert any(f'Instance ID: {run.instance_id} [{run.status}]' in output for run in report.instances)
        assert all(run.status in ('OK', 'WARNING') for run in report.instances)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.sampled_from(COLLECTOR_WITH_ERROR_SECTIONS.splitlines() + COULD_NOT_LOAD.splitlines())))
def test_any_shuffle_of_real_lines_is_read_without_error(lines):
    check_report('mysql', '\n'.join(lines), 0)


# ---- traces: datadog-agent status --json --------------------------------------------------------------------------

STATUS = {
    'apmStats': {
        'pid': '4242',
        'uptime': 300,
        'config': {'ReceiverHost': 'localhost', 'ReceiverPort': 8126},
        'receiver': [
            {},  # as the trace-agent's own testdata has it
            {
                'Lang': 'python',
                'LangVersion': '3.12.3',
                'Interpreter': 'CPython',
                'TracerVersion': '2.14.0',
                'EndpointVersion': 'v0.5',
                'TracesReceived': 20,
                'TracesBytes': 10679,
                'SpansReceived': 140,
                'TracesDropped': {'EmptyTrace': 0},
            },
        ],
    }
}


def test_the_receiver_stats_are_read_per_language():
    receipts = trace_receipts(json.dumps(STATUS))

    assert [(r.lang, r.tracer_version, r.traces) for r in receipts] == [('', '', 0), ('python', '2.14.0', 20)]


@pytest.mark.parametrize(
    'document, message',
    [
        (
            '{"apmStats": {"port": 5012, "error": "connection refused"}}',
            'the trace-agent did not answer the Agent: connection refused',
        ),
        (
            '{"runnerStats": {}}',
            'datadog-agent status has no APM section: is apm_config.enabled true in datadog.yaml?',
        ),
        (
            'Could not reach agent',
            'datadog-agent status --json did not print JSON: Expecting value: line 1 column 1 (char 0)',
        ),
        (
            '{"apmStats": {"receiver": {"python": 1}}}',
            "apmStats.receiver is not a list in datadog-agent status: {'python': 1}",
        ),
    ],
    ids=['trace-agent-down', 'apm-off', 'not-json', 'receiver-not-a-list'],
)
def test_a_status_without_receiver_stats_says_why(document, message):
    with pytest.raises(AgentOutputError) as error:
        trace_receipts(document)

    assert str(error.value) == message


@settings(max_examples=100, deadline=None)
@given(
    document=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
        max_leaves=20,
    )
)
def test_any_json_is_either_receipts_or_an_agent_output_error(document):
    for text in (
        json.dumps(document),
        json.dumps({'apmStats': document}),
        json.dumps({'apmStats': {'receiver': document}}),
    ):
        try:
            receipts = trace_receipts(text)
        except AgentOutputError:
            continue
        assert all(receipt.traces >= 0 for receipt in receipts)


# ---- verify-agent against a stand-in `datadog-agent` ----------------------------------------------------------


@pytest.fixture
def stand_in(agent_layout):
    status = agent_layout / 'status.json'
    status.write_text(json.dumps(STATUS))
    return stand_in_agent(agent_layout, status)


def verify_agent(agent, *args):
    return run_cli('verify-agent', '--agent', agent, *args, env={'PATH': os.environ['PATH']})


def test_verify_agent_passes_when_every_check_runs_and_traces_arrived(agent_layout, stand_in):
    random_number_config(agent_layout, '{min: 1, max: 5}')
    write_check(agent_layout, 'warner', WARNING_CHECK, 'init_config:\ninstances:\n  - {}\n')

    result = verify_agent(stand_in, '--check', 'random_number', '--check', 'warner')

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith('pass  random_number: [OK] random_number:')
    assert lines[1].startswith('pass  warner: [WARNING] warner:')
    assert lines[2] == (
        'pass  traces from python: 20 received from python (tracer 2.14.0) in the previous minute '
        '(datadog-agent status, APM receiver)'
    )
    assert lines[3] == 'The Agent runs random_number, warner and received the traces.'


def test_verify_agent_fails_naming_each_check_that_did_not_run_cleanly(agent_layout, stand_in):
    random_number_config(agent_layout, '{min: 10, max: 1}')
    write_check(agent_layout, 'broken', UNLOADABLE_CHECK, 'init_config:\ninstances:\n  - {}\n')

    result = verify_agent(stand_in, '--check', 'random_number', '--check', 'broken', '--check', 'mysql')

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith('FAIL  random_number: [ERROR] random_number:')
    assert lines[1].startswith('FAIL  broken: could not load broken: ') and 'Python Check Loader: ' in lines[1]
    assert lines[2] == (  # no configuration: the Agent prints only cobra's error
        'FAIL  mysql: datadog-agent check: no valid check found; mysql is not under Running Checks: '
        'the Agent did not run it'
    )
    assert lines[-1] == '3 of 4 failed under the Agent: random_number, broken, mysql.'


def test_verify_agent_fails_when_no_traces_arrived_within_the_wait(agent_layout, stand_in):
    random_number_config(agent_layout, '{min: 1, max: 5}')
    (agent_layout / 'status.json').write_text(json.dumps({'apmStats': {'receiver': []}}))

    result = verify_agent(stand_in, '--check', 'random_number', '--wait', '0')

    assert result.returncode == 1
    assert result.stdout.splitlines()[-2:] == [
        'FAIL  traces from python: none in the previous minute, after waiting 0 s; is the app traced (ddtrace-run)?',
        '1 of 2 failed under the Agent: traces from python.',
    ]


def test_verify_agent_polls_until_the_receiver_counts_the_traces(monkeypatch):
    from datadog_exercise import verify_agent as module

    answers = iter([json.dumps({'apmStats': {'receiver': []}})] * 3 + [json.dumps(STATUS)])
    monkeypatch.setattr(module, '_run', lambda command, timeout, as_agent=None: FakeResult(next(answers)))
    now = [0.0]
    request = module.VerifyAgentRequest(checks=(), wait=150)

    lines = []
    status = module.run_verify_agent(
        request, lines.append, sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0]
    )

    assert status == 0
    assert now[0] == 15  # three polls found nothing, five seconds apart
    assert lines[0].startswith('pass  traces from python: 20 received')


class FakeResult:
    def __init__(self, stdout):
        self.stdout, self.stderr, self.returncode = stdout, '', 0


def test_verify_agent_without_an_agent_says_so(tmp_path):
    result = verify_agent(tmp_path / 'no-datadog-agent', '--check', 'random_number', '--traces-from', '')

    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        f'FAIL  random_number: {tmp_path}/no-datadog-agent not found: is the Datadog Agent installed?'
    )
