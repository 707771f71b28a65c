"""`datadog-exercise check` held to the Agent's own source, one behaviour per test.

Each test runs the command on a real temporary checks.d/conf.d layout and names, in its docstring, the
file and function of DataDog/datadog-agent (Agent 7) it follows. docs/runner.md lists them all.
"""

import json
import textwrap

import pytest

from support import run_check, write_check

NAME = 'probe'

NOT_IN_CATALOG = f'* Core Check Loader: Check {NAME} not found in Catalog\n'


def check_module(body, *, version="'1.0'", init=''):
    """The source of a checks.d module whose check class `Probe` runs `body` (`Probe.runs` counts the runs)."""
    lines = ['import time', '', 'from datadog_checks.base import AgentCheck', '', f'__version__ = {version}', '', '']
    lines += ['class Probe(AgentCheck):', '    runs = 0', '']
    if init:
        lines += [textwrap.indent(textwrap.dedent(init).strip('\n'), '    '), '']
    lines += ['    def check(self, instance):', '        Probe.runs += 1']
    lines += [textwrap.indent(textwrap.dedent(body).strip('\n'), '        ')]
    return '\n'.join(lines) + '\n'


def series(stdout):
    """The `=== Series ===` section, decoded."""
    start = stdout.index('=== Series ===\n') + len('=== Series ===\n')
    end = stdout.index('\n]\n', start) + 2
    return json.loads(stdout[start:end])


def values(stdout, metric):
    return [point[1] for serie in series(stdout) if serie['metric'] == metric for point in serie['points']]


def serie(stdout, metric):
    [found] = [s for s in series(stdout) if s['metric'] == metric]
    return found


def runner_json(stdout):
    return json.loads(stdout[stdout.index('[\n  {') :])


@pytest.fixture
def layout(agent_layout):
    return agent_layout


def write(layout, config, body='self.gauge("probe.up", 1)', **module):
    write_check(layout, NAME, check_module(body, **module), config)


# ---- 1. Loader fallback ------------------------------------------------------------------------------------


@pytest.fixture
def wheels(tmp_path):
    """A site folder holding `datadog_checks.probe`, on PYTHONPATH as an installed wheel would be."""
    package = tmp_path / 'wheels' / 'datadog_checks' / NAME
    package.mkdir(parents=True)
    return package


@pytest.mark.parametrize(
    'wheel',
    ['raise ImportError("the wheel is broken")\n', 'VALUE = 1\n'],
    ids=['import error', 'no check class'],
)
def test_a_failing_wheel_falls_back_to_the_checks_d_module(layout, wheels, wheel):
    """pkg/collector/python/loader.go PythonCheckLoader.Load, loader_helpers.go loadPythonCheckClass: any
    failure of `datadog_checks.<name>` (an import error, or rtloader/three/three.cpp Three::getClass finding no
    check class) goes on to `<name>`."""
    (wheels / '__init__.py').write_text(wheel)
    write(layout, 'instances:\n  - {}\n')

    result = run_check(layout, NAME, env={'PYTHONPATH': wheels.parent.parent})

    assert result.returncode == 0, result.stdout + result.stderr
    assert values(result.stdout, 'probe.up') == [1]


def test_an_installed_wheel_wins_over_checks_d(layout, wheels):
    """loader.go Load: `datadog_checks.<name>` is tried first; checks.d is never imported when it loads."""
    (wheels / '__init__.py').write_text(check_module('self.gauge("probe.wheel", 1)'))
    write(layout, 'instances:\n  - {}\n')

    result = run_check(layout, NAME, env={'PYTHONPATH': wheels.parent.parent})

    assert values(result.stdout, 'probe.wheel') == [1]
    assert '"probe.up"' not in result.stdout


def test_when_both_modules_fail_the_error_names_both_with_rtloader_wording(layout, wheels):
    """loader_helpers.go loadPythonCheckClass (errors joined), three.cpp getClass and _fetchPythonError."""
    (wheels / '__init__.py').write_text('VALUE = 1\n')
    (layout / 'checks.d' / f'{NAME}.py').write_text('import time\n\nimport no_such_dependency\n')
    (layout / 'conf.d' / f'{NAME}.yaml').write_text('instances:\n  - {}\n')

    result = run_check(layout, NAME, env={'PYTHONPATH': wheels.parent.parent})

    checksd_file = layout / 'checks.d' / f'{NAME}.py'
    assert result.stdout == (
        f'\nError: could not load {NAME}:\n'
        + NOT_IN_CATALOG
        + f'* Python Check Loader: unable to load check {NAME}: unable to load python module datadog_checks.{NAME}: '
        f"unable to find a subclass of the base check in module 'datadog_checks.{NAME}': cannot find a subclass, "
        f"unable to load python module {NAME}: unable to import module '{NAME}': Traceback (most recent call last):\n"
        f'  File "{checksd_file}", line 3, in <module>\n'
        '    import no_such_dependency\n'
        "ModuleNotFoundError: No module named 'no_such_dependency'\n\n"
    )
    assert result.stderr == 'Error: no valid check found\n'


def test_a_version_that_is_not_a_string_is_unversioned(layout):
    """loader.go Load: get_attr_string(__version__) fails for a non-string, the version stays `unversioned`."""
    write(layout, 'instances:\n  - {}\n', version='2')

    result = run_check(layout, NAME)

    assert f'    {NAME} (unversioned)\n' in result.stdout


# ---- 2. service --------------------------------------------------------------------------------------------

SUBMIT_ALL = """
self.gauge('probe.up', 1, tags=['a:1'])
self.service_check('probe.can_connect', AgentCheck.OK)
self.event({'msg_title': 'title', 'msg_text': 'text'})
self.submit_histogram_bucket('probe.bucket', 3, 0, 10, False, None, [])
"""


def test_the_instance_service_tags_every_metric_service_check_event_and_bucket(layout):
    """pkg/collector/python/check.go PythonCheck.Configure (SetCheckService), pkg/aggregator/sender.go
    FinalizeCheckServiceTag: `service:<value>` joins the tags of everything the instance submits."""
    write(layout, 'init_config:\n  service: fallback\ninstances:\n  - service: web\n', SUBMIT_ALL)

    result = run_check(layout, NAME, '--json', '--check-rate')

    aggregator = runner_json(result.stdout)[0]['aggregator']
    assert aggregator['metrics'][0]['tags'] == ['a:1', 'service:web']
    assert aggregator['service_checks'][0]['tags'] == ['service:web']
    assert aggregator['events'][0]['tags'] == ['service:web']
    assert aggregator['sketches']['sketches'][0]['tags'] == ['service:web']


def test_init_config_service_applies_when_the_instance_has_none(layout):
    """check.go Configure: CommonGlobalConfig.Service is set first, an empty instance service leaves it."""
    write(layout, 'init_config:\n  service: fallback\ninstances:\n  - service: ""\n', SUBMIT_ALL)

    result = run_check(layout, NAME)

    assert serie(result.stdout, 'probe.up')['tags'] == ['a:1', 'service:fallback']


def test_empty_default_hostname_leaves_submissions_without_host(layout):
    """check.go Configure (DisableDefaultHostname), sender.go sendMetricSample/ServiceCheck."""
    write(layout, 'instances:\n  - empty_default_hostname: true\n', SUBMIT_ALL)

    aggregator = runner_json(run_check(layout, NAME, '--json').stdout)[0]['aggregator']

    assert (aggregator['metrics'][0]['host'], aggregator['service_checks'][0]['host_name']) == ('', '')


def test_the_check_logs_are_off_unless_a_log_level_is_given(layout):
    """command.go (log.ForOneShot(..., "off", ...) and --log-level): the check's logs go to stderr on demand."""
    write(layout, 'instances:\n  - {}\n', "self.log.info('collected %d', 3)")

    quiet, verbose = run_check(layout, NAME), run_check(layout, NAME, '--log-level', 'info')

    assert quiet.stderr == ''
    assert verbose.stderr.startswith(f'INFO | {NAME}:') and verbose.stderr.endswith(' | collected 3\n')


# ---- 3. Metric types and sampling ---------------------------------------------------------------------------


def test_increment_flushes_as_a_rate(layout):
    """pkg/metrics/counter.go Counter.flush: the sum over the interval (1 for checks), type `rate`."""
    write(layout, 'instances:\n  - {}\n', "self.increment('probe.hits')\nself.increment('probe.hits', 4)")

    found = serie(run_check(layout, NAME).stdout, 'probe.hits')

    assert (found['type'], found['points'][0][1]) == ('rate', 5)


def test_monotonic_count_sums_increases_on_the_first_run_and_gives_zero_after_a_drop(layout):
    """pkg/metrics/monotonic_count.go MonotonicCount.addSample and flush."""
    body = """
    samples = (2, 3, 6, 7) if Probe.runs == 1 else (3,)
    for value in samples:
        self.monotonic_count('probe.total', value)
    """
    write(layout, 'instances:\n  - {}\n', body)

    result = run_check(layout, NAME, '--check-times', '2')

    assert values(result.stdout, 'probe.total') == [5, 0]
    assert {s['type'] for s in series(result.stdout)} == {'count'}


def test_rate_uses_the_samples_timestamps_within_one_run(layout):
    """pkg/metrics/rate.go Rate.addSample/flush; sender.go sendMetricSample stamps each sample."""
    write(layout, 'instances:\n  - {}\n', "self.rate('probe.rate', 0)\ntime.sleep(0.2)\nself.rate('probe.rate', 50)")

    found = serie(run_check(layout, NAME).stdout, 'probe.rate')

    assert found['type'] == 'gauge'
    assert 100 < found['points'][0][1] <= 250  # 50 over the 0.2 s (and a little more) between the samples


def test_a_negative_rate_is_dropped(layout):
    """rate.go Rate.flush: `Rate value is negative, discarding it`."""
    write(layout, 'instances:\n  - {}\n', "self.rate('probe.rate', 50)\ntime.sleep(0.01)\nself.rate('probe.rate', 0)")

    assert 'probe.rate' not in run_check(layout, NAME).stdout


def test_historate_is_a_histogram_of_the_rates_between_samples(layout):
    """pkg/metrics/historate.go Historate.addSample: rates between consecutive samples of one run."""
    body = """
    for value in (0, 10, 30):
        self.historate('probe.speed', value)
        time.sleep(0.1)
    """
    write(layout, 'instances:\n  - {}\n', body)

    result = run_check(layout, NAME)

    assert values(result.stdout, 'probe.speed.count') == [2]
    [slow], [fast] = values(result.stdout, 'probe.speed.median'), values(result.stdout, 'probe.speed.max')
    assert 50 < slow < 100 < fast <= 200


def test_histogram_aggregates_and_percentile_with_integer_arithmetic(layout):
    """pkg/metrics/histogram.go Histogram.flush with the default aggregates and the 0.95 percentile."""
    write(layout, 'instances:\n  - {}\n', "for value in range(20, 0, -1):\n    self.histogram('probe.size', value)")

    result = run_check(layout, NAME)

    found = {s['metric']: (s['type'], s['points'][0][1]) for s in series(result.stdout)}
    assert found == {
        'probe.size.max': ('gauge', 20),
        'probe.size.median': ('gauge', 10),
        'probe.size.avg': ('gauge', 10.5),
        'probe.size.count': ('rate', 20),
        'probe.size.95percentile': ('gauge', 19),
    }


def test_a_context_keeps_the_type_of_its_first_sample_and_drops_nan(layout):
    """pkg/metrics/context_metrics.go ContextMetrics.AddSample: the context key has no type; NaN is refused."""
    body = "self.gauge('probe.mixed', 1)\nself.count('probe.mixed', 5)\nself.gauge('probe.nan', float('nan'))"
    write(layout, 'instances:\n  - {}\n', body)

    result = run_check(layout, NAME)

    assert (serie(result.stdout, 'probe.mixed')['type'], values(result.stdout, 'probe.mixed')) == ('gauge', [5])
    assert 'probe.nan' not in result.stdout


def test_series_tags_are_sorted_and_deduplicated(layout):
    """pkg/aggregator/aggregator.go handleSenderSample: sort.UniqInPlace on the sample's tags."""
    write(layout, 'instances:\n  - {}\n', "self.gauge('probe.up', 1, tags=['z:1', 'a:1', 'z:1'])")

    assert serie(run_check(layout, NAME).stdout, 'probe.up')['tags'] == ['a:1', 'z:1']


# ---- 4. Which configuration files count ----------------------------------------------------------------------


def test_a_broken_conf_yaml_falls_back_to_any_yaml_default(layout):
    """comp/core/autodiscovery/providers/config_reader.go read: defaults count unless a regular file was valid;
    collectEntry clears the check's config error when a later file of it is valid."""
    write(layout, 'instances: [\n')
    (layout / 'conf.d' / f'{NAME}.d' / 'shipped.yaml.default').write_text('instances:\n  - {}\n')

    result = run_check(layout, NAME)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f'Configuration Source: file:{layout}/conf.d/{NAME}.d/shipped.yaml.default[0]\n' in result.stdout
    assert 'Config Errors' not in result.stdout


def test_a_config_error_read_after_the_valid_default_stays_in_the_collector_block(layout):
    """config_reader.go collectDir reads files in name order: `auto.yaml.default` before the broken `conf.yaml`,
    whose error then stays; collector.tmpl shows it under `Config Errors`."""
    write(layout, 'instances: [\n')
    (layout / 'conf.d' / f'{NAME}.d' / 'auto.yaml.default').write_text('instances:\n  - {}\n')

    result = run_check(layout, NAME)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f'  Config Errors\n  ==============\n    {NAME}\n    -----\n      yaml: line 2: ' in result.stdout


def test_a_valid_conf_yaml_hides_the_default(layout):
    """config_reader.go read: a default is dropped once a regular file of the same check is valid."""
    write(layout, 'instances:\n  - {}\n')
    (layout / 'conf.d' / f'{NAME}.d' / 'conf.yaml.default').write_text('instances:\n  - {}\n  - {}\n')

    result = run_check(layout, NAME)

    assert 'conf.yaml.default' not in result.stdout
    assert 'This check type has 1 instances.' in result.stdout


def test_with_two_files_only_the_first_runs_unless_discovery_min_instances_says_more(layout):
    """cmd/agent/common/autodiscovery.go waitForConfigsFromAD: it stops at --discovery-min-instances configs."""
    write(layout, 'instances:\n  - {}\n')
    (layout / 'conf.d' / f'{NAME}.d' / 'second.yaml').write_text('instances:\n  - {}\n  - {}\n')

    first_only = run_check(layout, NAME)
    both = run_check(layout, NAME, '--discovery-min-instances', '2')

    assert 'This check type has 1 instances.' in first_only.stdout
    assert 'second.yaml' not in first_only.stdout
    assert 'This check type has 3 instances.' in both.stdout
    assert both.stdout.count('second.yaml[0]') == both.stdout.count('second.yaml[1]') == 2  # source, metadata


def test_empty_files_metrics_yaml_and_templates_are_not_checks(layout):
    """config_reader.go collectEntry (empty file, metrics.yaml) and waitForConfigsFromAD (templates wait)."""
    write(layout, '')
    folder = layout / 'conf.d' / f'{NAME}.d'
    (folder / 'metrics.yaml').write_text('instances:\n  - {}\n')
    (folder / 'auto_conf.yaml').write_text('ad_identifiers:\n  - redis\ninstances:\n  - {}\n')

    result = run_check(layout, NAME)

    assert (result.returncode, result.stdout, result.stderr) == (255, '', 'Error: no valid check found\n')


# ---- 5. Error output -----------------------------------------------------------------------------------------


def test_a_missing_configuration_prints_only_no_valid_check_found(layout):
    """pkg/cli/subcommands/check/command.go run: no config, no loader error; cobra prints the error, exit -1."""
    result = run_check(layout, 'nosuchcheck')

    assert (result.returncode, result.stdout, result.stderr) == (255, '', 'Error: no valid check found\n')


def test_empty_instances_is_an_invalid_config(layout):
    """config_reader.go GetIntegrationConfigFromFile: `Configuration file contains no valid instances`."""
    write(layout, 'init_config:\ninstances: []\n')

    result = run_check(layout, NAME)

    assert result.stdout == f'\nError: invalid config for {NAME}: Configuration file contains no valid instances\n'
    assert (result.returncode, result.stderr) == (255, 'Error: no valid check found\n')


def test_an_instance_that_is_not_a_mapping_is_a_yaml_unmarshal_error(layout):
    """config_reader.go GetIntegrationConfigFromFile: yaml.v2 into configFormat{Instances []RawMap}."""
    write(layout, 'init_config:\ninstances:\n  - {}\n  - just a string\n')

    result = run_check(layout, NAME)

    assert result.stdout == (
        f'\nError: invalid config for {NAME}: yaml: unmarshal errors:\n'
        '  line 4: cannot unmarshal !!str `just a ...` into integration.RawMap\n'
    )


def test_an_unknown_module_lists_every_loader_on_stdout(layout):
    """command.go run (GetLoaderErrors), corechecks/loader.go Load, loader_helpers.go loadPythonCheckClass."""
    (layout / 'conf.d' / f'{NAME}.yaml').write_text('instances:\n  - {}\n')

    result = run_check(layout, NAME)

    assert result.stdout == (
        f'\nError: could not load {NAME}:\n'
        + NOT_IN_CATALOG
        + f'* Python Check Loader: unable to load check {NAME}: unable to load python module datadog_checks.{NAME}: '
        f"unable to import module 'datadog_checks.{NAME}': No module named 'datadog_checks.{NAME}', "
        f"unable to load python module {NAME}: unable to import module '{NAME}': No module named '{NAME}'\n"
    )
    assert (result.returncode, result.stderr) == (255, 'Error: no valid check found\n')


def test_a_module_shadowed_by_the_standard_library_has_no_check_class(layout):
    """three.cpp getClass / _findSubclassOf: `random` is the standard module, which holds no check class."""
    write_check(layout, 'random', check_module('pass'), 'instances:\n  - {}\n')

    result = run_check(layout, 'random')

    assert result.stdout.endswith(
        "unable to load python module random: unable to find a subclass of the base check in module 'random': "
        'cannot find a subclass\n'
    )


# ---- 6. One instance fails to build, another loads -----------------------------------------------------------

FAILING_INIT_TEMPLATE = """
def __init__(self, name, init_config, instances):
    super().__init__(name, init_config, instances)
    if instances[0].get('broken'):
        raise {error}
"""
FAILING_INIT = FAILING_INIT_TEMPLATE.format(error="ValueError('the instance is broken')")


def test_one_instance_failing_to_build_shows_check_initialization_errors(layout):
    """pkg/collector/python/check.go Configure (new then deprecated constructor API), loader.go
    addExpvarConfigureError, collector.tmpl `Check Initialization Errors`."""
    write(layout, 'instances:\n  - broken: true\n  - {}\n', init=FAILING_INIT)

    result = run_check(layout, NAME)

    assert result.returncode == 0, result.stdout + result.stderr
    assert 'This check type has 1 instances.' in result.stdout
    section = result.stdout[result.stdout.index('  Check Initialization Errors') : result.stdout.index('  Metadata')]
    assert section.startswith(
        '  Check Initialization Errors\n  ===========================\n\n    \n'
        f'      {NAME} (1.0)\n      -----------\n\n      instance 0:\n\n'
        f"        could not invoke '{NAME}' python check constructor. New constructor API returned:\n"
        'Traceback (most recent call last):\n'
    )
    # The deprecated API passes agentConfig, which this constructor does not take: no traceback, the text only.
    assert section.endswith(
        'ValueError: the instance is broken\nDeprecated constructor API returned:\n'
        "Probe.__init__() got an unexpected keyword argument 'agentConfig'\n\n"
    )
    # A later instance loaded: the scheduler removed the check's loader errors (errorStats.removeLoaderErrors).
    assert 'Loading Errors' not in result.stdout


def test_a_failing_last_instance_also_leaves_loading_errors(layout):
    """pkg/collector/scheduler.go getChecks: loader errors are set per failing instance, cleared by a success."""
    write(layout, 'instances:\n  - {}\n  - broken: true\n', init=FAILING_INIT)

    result = run_check(layout, NAME)

    block = result.stdout[result.stdout.index('  Loading Errors') :]
    assert block.startswith(
        f'  Loading Errors\n  ==============\n    {NAME}\n    -----\n'
        f'      Core Check Loader:\n        Check {NAME} not found in Catalog\n        \n'
        f'      Python Check Loader:\n        could not configure check instance for python check {NAME}: '
    )


# ---- 7. min_collection_interval -------------------------------------------------------------------------------


def test_a_quoted_min_collection_interval_is_a_yaml_error(layout):
    """check.go Configure: yaml.Unmarshal into integration.CommonInstanceConfig{MinCollectionInterval int}."""
    write(layout, 'instances:\n  - min_collection_interval: "45"\n    tags: [a]\n')

    result = run_check(layout, NAME)

    assert result.stdout == (
        f'\nError: could not load {NAME}:\n'
        + NOT_IN_CATALOG
        + f'* Python Check Loader: could not configure check instance for python check {NAME}: '
        'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `45` into int\n'
    )


@pytest.mark.parametrize(('configured', 'seconds'), [('-5', 15), ('0', 15), ('45.9', 45), ('~', 15), ('600', 600)])
def test_min_collection_interval_is_an_integer_and_not_positive_means_15_seconds(layout, configured, seconds):
    """check.go Configure: `if commonOptions.MinCollectionInterval > 0` (a float is truncated by yaml.v2)."""
    write(layout, f'instances:\n  - min_collection_interval: {configured}\n')

    result = run_check(layout, NAME, '--json')

    assert runner_json(result.stdout)[0]['runner']['Interval'] == seconds * 1_000_000_000


# ---- 8. Smaller ones ----------------------------------------------------------------------------------------


def test_metadata_has_the_config_source_with_its_instance_index(layout):
    """pkg/collector/check/metadata.go GetMetadata (ConfigSourceToMetadataMap); loader.go Load appends `[index]`."""
    write(layout, 'instances:\n  - {}\n  - name: second\n')

    result = run_check(layout, NAME)

    conf = f'{layout}/conf.d/{NAME}.d/conf.yaml'
    assert f'    config.provider: file\n    config.source: {conf}[0]\n' in result.stdout
    assert f'    config.source: {conf}[1]\n' in result.stdout


def test_an_event_without_timestamp_gets_the_current_time(layout):
    """pkg/aggregator/aggregator.go BufferedAggregator.addEvent: `if e.Ts == 0 { e.Ts = time.Now().Unix() }`."""
    write(layout, 'instances:\n  - {}\n', "self.event({'msg_title': 'deploy', 'msg_text': 'done', 'priority': 'low'})")

    result = run_check(layout, NAME)

    events = result.stdout[result.stdout.index('=== Events ===\n') + 15 : result.stdout.index('\n]\n') + 2]
    [event] = json.loads(events)
    assert list(event) == ['msg_title', 'msg_text', 'priority', 'host', 'timestamp']
    assert event['timestamp'] > 1_700_000_000


def test_check_rate_notices_come_once_per_instance_after_multiple_instances(layout):
    """command.go runCheck prints the --check-rate notices for each check it runs."""
    write(layout, 'instances:\n  - {}\n  - name: two\n')

    result = run_check(layout, NAME, '--check-rate', '--check-times', '5', '--pause', '1')

    notices = (
        'The check-rate option is overriding check-times to 2\nThe check-rate option is overriding pause to 1000ms\n'
    )
    assert result.stdout.startswith('Multiple check instances found, running each of them\n' + notices)
    assert result.stdout.count(notices) == 2


def test_histogram_buckets_print_sketches_once_a_later_second_commits(layout):
    """pkg/aggregator/check_sampler.go addBucket/commitSketches, sketch_map.go flushBefore, quantile
    Agent.InsertInterpolate and summary.Summary: a bucket shows as a sketch summary; a monotonic bucket's
    first raw value is not reported (`Return early so we don't report the first raw value`)."""
    body = """
    self.submit_histogram_bucket('probe.latency', 4, 0, 10, False, None, ['le:10'])
    self.submit_histogram_bucket('probe.monotonic', 4, 0, 10, True, None, [])
    """
    write(layout, 'instances:\n  - {}\n', body)

    result = run_check(layout, NAME, '--check-rate')

    start = result.stdout.index('=== Sketches ===\n') + len('=== Sketches ===\n')
    sketches = json.loads(result.stdout[start : result.stdout.index('\n}\n', start) + 2])['sketches']
    [sketch] = sketches
    assert (sketch['metric'], sketch['tags'], sketch['interval']) == ('probe.latency', ['le:10'], 0)
    summary = sketch['points'][0]['sketch']['summary']
    assert list(summary) == ['Min', 'Max', 'Sum', 'Avg', 'Cnt']
    assert (summary['Cnt'], summary['Min']) == (4, 0) and 0 < summary['Max'] < 10
    assert 'Histogram Buckets: Last Run: 2, Total: 4' in result.stdout


def test_names_are_underlined_by_normalisation_segments(layout):
    """comp/core/status render helpers printDashes/stringLength: NFKD segments, not code points."""
    write_check(layout, 'cafe', check_module('pass', version="'1.0-e\\u0301'"), 'instances:\n  - {}\n')

    result = run_check(layout, 'cafe')

    # 'e' + U+0301 is one segment: 4 + 5 + 3 dashes, not 4 + 6 + 3.
    assert '    cafe (1.0-e\u0301)\n    ------------\n' in result.stdout


def test_table_columns_are_measured_in_terminal_cells(layout):
    """pkg/aggregator/demultiplexer_agent_printer.go PrintMetrics (--table): tablewriter with go-runewidth."""
    body = "self.gauge('probe.wide', 1, tags=['city:東京'])\nself.gauge('probe.narrow', 1, tags=['city:Paris'])"
    write(layout, 'instances:\n  - {}\n', body)

    result = run_check(layout, NAME, '--table')

    header, narrow, wide = result.stdout.splitlines()[1:4]
    assert narrow.index('city:Paris') == wide.index('city:東京') == header.index('TAGS')
    # 東京 takes 4 cells: 'city:東京' (9 cells) is padded to the 10 of 'city:Paris' with one space.
    assert (narrow[-12:], wide[-10:]) == ('city:Paris  ', 'city:東京   ')


def test_json_moves_the_device_tag_into_its_own_field(layout):
    """demultiplexer_agent_printer.go GetMetricsDataForPrint: Serie.PopulateDeviceField before printing."""
    write(layout, 'instances:\n  - {}\n', "self.gauge('probe.disk', 1, tags=['device:sda', 'a:1'])")

    [metric] = runner_json(run_check(layout, NAME, '--json').stdout)[0]['aggregator']['metrics']

    assert (metric['device'], metric['tags']) == ('sda', ['a:1'])


def test_json_and_exit_status_of_an_error_run(layout):
    """Deliberate difference: exit status 1 on an [ERROR] run (the Agent exits 0); --json keeps the error."""
    write(layout, 'instances:\n  - {}\n', "raise RuntimeError('down')")

    result = run_check(layout, NAME, '--json')

    assert result.returncode == 1
    assert json.loads(runner_json(result.stdout)[0]['runner']['LastError'])[0]['message'] == 'down'


# ---- sys.exit() in a check: rtloader reports it as any other exception ---------------------------------------------
# three.cpp getClass and _fetchPythonError, pkg/collector/python/check.go Configure: the C API's PyErr_Occurred sees
# SystemExit like any exception (nothing there exits the Agent); the runner must neither exit nor skip the message.


def test_sys_exit_while_importing_a_check_is_a_loading_error_not_an_exit(layout):
    (layout / 'checks.d' / f'{NAME}.py').write_text('import sys\n\nsys.exit(3)\n')
    (layout / 'conf.d' / f'{NAME}.yaml').write_text('instances:\n  - {}\n')

    result = run_check(layout, NAME)

    assert result.returncode == 255, result.stdout + result.stderr
    assert f"unable to load python module {NAME}: unable to import module '{NAME}': Traceback" in result.stdout
    assert 'sys.exit(3)\nSystemExit: 3\n' in result.stdout
    assert result.stderr == 'Error: no valid check found\n'


EXITING_INIT = FAILING_INIT_TEMPLATE.format(error="SystemExit('the instance asked to exit')")


def test_sys_exit_in_a_check_constructor_is_an_initialization_error_of_that_instance(layout):
    write(layout, 'instances:\n  - broken: true\n  - {}\n', init=EXITING_INIT)

    result = run_check(layout, NAME)

    assert result.returncode == 0, result.stdout + result.stderr
    section = result.stdout[result.stdout.index('  Check Initialization Errors') : result.stdout.index('  Metadata')]
    assert f"could not invoke '{NAME}' python check constructor. New constructor API returned:\n" in section
    assert 'SystemExit: the instance asked to exit\nDeprecated constructor API returned:\n' in section
    assert '"probe.up"' in result.stdout  # the other instance ran
