"""`datadog-exercise check`: what it prints, compared with what `datadog-agent check` prints.

Expected texts follow the Agent 7 layout; the collector block was checked byte for byte against the
Agent's own collector.tmpl rendered by Go's text/template, and the instance IDs against the Agent's
BuildID computed by Go (yaml.v2 + murmur3 + FNV-1).
"""

import json
import re
import textwrap

from support import run_check, run_cli, write_check

LAYOUT_CHECK = textwrap.dedent(
    """
    from datadog_checks.base import AgentCheck

    __version__ = '2.3.4'


    class LayoutCheck(AgentCheck):
        def check(self, instance):
            tags = instance.get('tags', [])
            self.gauge('layout.small', 433, tags=['b:2', 'a:1'] + tags)
            self.gauge('layout.big', 8502900, tags=tags)
            self.gauge('layout.frac', 58902.4, tags=tags)
            self.gauge('layout.tiny', 0.00001, tags=tags)
            self.count('layout.count', 2, tags=tags)
            self.count('layout.count', 3, tags=tags)
            self.service_check('layout.can_connect', AgentCheck.OK, tags=['z:1', 'a:1', 'a:1'])
            self.warning('something is odd')
    """
)
LAYOUT_CONFIG = 'init_config:\n\ninstances:\n  - tags:\n      - team:sre\n'

FAILING_CHECK = textwrap.dedent(
    """
    from datadog_checks.base import AgentCheck


    class FailingCheck(AgentCheck):
        def check(self, instance):
            self.gauge('failing.before', 1)
            raise ValueError('the feed answered 503')
    """
)


def normalise(output):
    """Blank out what changes from run to run: timestamps, dates and durations."""
    output = re.sub(r'\b1[0-9]{9}\b', '<ts>', output)
    output = re.sub(r'(Execution Date : ).*', r'\1<date>', output)
    return re.sub(r'(Average Execution Time : )\S+', r'\1<duration>', output)


EXPECTED_LAYOUT = """\
=== Series ===
[
  {
    "metric": "layout.small",
    "points": [
      [
        <ts>,
        433
      ]
    ],
    "tags": [
      "a:1",
      "b:2",
      "team:sre"
    ],
    "host": "runner-host",
    "type": "gauge",
    "interval": 0,
    "source_type_name": "System"
  },
  {
    "metric": "layout.big",
    "points": [
      [
        <ts>,
        8.5029e+06
      ]
    ],
    "tags": [
      "team:sre"
    ],
    "host": "runner-host",
    "type": "gauge",
    "interval": 0,
    "source_type_name": "System"
  },
  {
    "metric": "layout.frac",
    "points": [
      [
        <ts>,
        58902.4
      ]
    ],
    "tags": [
      "team:sre"
    ],
    "host": "runner-host",
    "type": "gauge",
    "interval": 0,
    "source_type_name": "System"
  },
  {
    "metric": "layout.tiny",
    "points": [
      [
        <ts>,
        1e-05
      ]
    ],
    "tags": [
      "team:sre"
    ],
    "host": "runner-host",
    "type": "gauge",
    "interval": 0,
    "source_type_name": "System"
  },
  {
    "metric": "layout.count",
    "points": [
      [
        <ts>,
        5
      ]
    ],
    "tags": [
      "team:sre"
    ],
    "host": "runner-host",
    "type": "count",
    "interval": 0,
    "source_type_name": "System"
  }
]
=== Service Checks ===
[
  {
    "check": "layout.can_connect",
    "host_name": "runner-host",
    "timestamp": <ts>,
    "status": 0,
    "message": "",
    "tags": [
      "a:1",
      "z:1"
    ]
  }
]


  Running Checks
  ==============
    
    layout (2.3.4)
    --------------
      Instance ID: layout:3db6667a1fa9ff05 [WARNING]
      Configuration Source: file:{confd}/layout.d/conf.yaml[0]
      Total Runs: 1
      Metric Samples: Last Run: 6, Total: 6
      Events: Last Run: 0, Total: 0
      Service Checks: Last Run: 1, Total: 1
      Average Execution Time : <duration>
      Last Execution Date : <date>
      Last Successful Execution Date : <date>
      
      Warning: something is odd
        

  Metadata
  ========
    config.hash: layout:3db6667a1fa9ff05
    config.provider: file
    config.source: {confd}/layout.d/conf.yaml[0]
Check has run only once, if some metrics are missing you can try again with --check-rate to see any other metric \
if available.
This check type has 1 instances. If you're looking for a different check instance, try filtering on a specific one \
using the --instance-filter flag or set --discovery-min-instances to a higher value
"""


def run_layout(agent_layout, *args):
    write_check(agent_layout, 'layout', LAYOUT_CHECK, LAYOUT_CONFIG)
    return run_check(agent_layout, 'layout', '--hostname', 'runner-host', *args)


def test_prints_the_agent_sections_layout_and_go_number_formatting(agent_layout):
    result = run_layout(agent_layout)

    assert result.returncode == 0, result.stderr
    assert normalise(result.stdout) == EXPECTED_LAYOUT.replace('{confd}', str(agent_layout / 'conf.d'))


def test_a_check_that_raises_is_an_error_run_with_message_and_traceback_and_exit_1(agent_layout):
    write_check(agent_layout, 'failing', FAILING_CHECK, 'instances:\n  - {}\n')

    result = run_check(agent_layout, 'failing')

    assert result.returncode == 1
    block = result.stdout[result.stdout.index('  Running Checks') :]
    assert '      Instance ID: failing:7922006c3a2c7eb8 [ERROR]\n' in block
    assert '      Last Successful Execution Date : Never\n' in block
    error = block[block.index('      Error:') : block.index('\n\n  Metadata')]
    lines = error.splitlines()
    assert lines[0] == '      Error: the feed answered 503'
    assert lines[1] == '      Traceback (most recent call last):'
    assert all(line.startswith('        ') for line in lines[2:-1])
    assert lines[-1] == '      ValueError: the feed answered 503'
    # What was submitted before the exception is still shown, as the Agent does.
    assert '"metric": "failing.before"' in result.stdout


def test_json_form_has_aggregator_inventories_and_runner_per_instance(agent_layout):
    result = run_layout(agent_layout, '--json')

    assert result.returncode == 0, result.stderr
    [instance] = json.loads(result.stdout)
    assert list(instance) == ['aggregator', 'inventories', 'runner']
    assert list(instance['aggregator']) == ['metrics', 'service_checks']
    small = instance['aggregator']['metrics'][0]
    assert list(small) == ['host', 'interval', 'metric', 'points', 'source_type_name', 'tags', 'type']
    assert small['points'][0][1] == 433
    # --json numbers use Go's JSON float form, not %v.
    assert re.search(r'^\s+8502900$', result.stdout, re.MULTILINE)
    runner = instance['runner']
    assert runner['CheckID'] == 'layout:3db6667a1fa9ff05'
    assert runner['Interval'] == 15_000_000_000
    assert runner['TotalRuns'] == 1 and runner['MetricSamples'] == 6
    assert runner['LastWarnings'] == ['something is odd']
    assert len(runner['ExecutionTimes']) == 32
    assert 'Check has run only once' not in result.stdout


def test_table_form_lists_series_sorted_by_name(agent_layout):
    result = run_layout(agent_layout, '--table')

    table = result.stdout[: result.stdout.index('=== Service Checks ===')]
    rows = [line.split() for line in table.splitlines()[2:] if line.strip()]
    assert table.splitlines()[1].split() == ['METRIC', 'TYPE', 'TIMESTAMP', 'VALUE', 'TAGS']
    assert [row[0] for row in rows] == ['layout.big', 'layout.count', 'layout.frac', 'layout.small', 'layout.tiny']
    assert rows[0][3] == '8502900' and rows[4][3] == '0.00001'


def test_check_times_runs_the_check_n_times_and_drops_the_hint(agent_layout):
    result = run_layout(agent_layout, '--check-times', '3', '--pause', '10')

    assert result.stdout.count('"metric": "layout.small"') == 3
    assert 'Total Runs: 3' in result.stdout
    assert 'Metric Samples: Last Run: 6, Total: 18' in result.stdout
    assert 'Check has run only once' not in result.stdout


def test_one_check_object_per_instance_with_its_own_id(agent_layout):
    write_check(agent_layout, 'layout', LAYOUT_CHECK, 'init_config: {}\ninstances:\n  - name: first\n  - {}\n')

    result = run_check(agent_layout, 'layout')

    assert result.stdout.startswith('Multiple check instances found, running each of them\n')
    assert 'Instance ID: layout:first:d5d6903ce42b556e [WARNING]' in result.stdout
    assert 'Instance ID: layout:eb67f26e195744df [WARNING]' in result.stdout
    assert 'This check type has 2 instances.' in result.stdout


def test_random_number_bad_config_is_an_error_run_naming_the_key(agent_layout):
    config = agent_layout / 'bad.yaml'
    config.write_text('instances:\n  - min_collection_interval: 45\n    min: 10\n    max: 1\n')

    result = run_cli('check', 'random_number', '--conf', config, '--run-path', agent_layout / 'run')

    assert result.returncode == 1
    assert (
        '      Error: `min` (10) is greater than `max` (1): set `min` <= `max`; the check does not swap them\n'
        in result.stdout
    )
    assert '=== Series ===' not in result.stdout


def test_the_leaf_agentcheck_subclass_is_the_check(agent_layout):
    source = LAYOUT_CHECK + textwrap.dedent(
        """

        class Specialised(LayoutCheck):
            def check(self, instance):
                self.gauge('layout.leaf', 1)
        """
    )
    write_check(agent_layout, 'layout', source, LAYOUT_CONFIG)

    result = run_check(agent_layout, 'layout')

    assert '"metric": "layout.leaf"' in result.stdout
    assert '"metric": "layout.small"' not in result.stdout


def test_a_module_without_version_is_unversioned(agent_layout):
    write_check(agent_layout, 'failing', FAILING_CHECK, 'instances:\n  - {}\n')

    result = run_check(agent_layout, 'failing')

    assert '    failing (unversioned)\n    ---------------------\n' in result.stdout
