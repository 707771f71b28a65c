"""conf.d files that are hostile or broken: a config error of their check, never a crash or a hang.

The Agent (comp/core/autodiscovery/providers/config_reader.go GetIntegrationConfigFromFile, with yaml.v2)
turns any file it cannot use into a config error of the check; the runner does too, within bounds it sets.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from datadog_exercise.runner import checkid, confd, yamlv2
from datadog_exercise.runner.loader import INSTANCE_FIELDS


def read(tmp_path, content):
    folder = tmp_path / 'conf.d' / 'probe.d'
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'conf.yaml').write_bytes(content)
    return confd.read_confd(tmp_path / 'conf.d')


def test_an_anchor_that_contains_itself_is_a_config_error(tmp_path):
    scan = read(tmp_path, b'instances: &loop\n  - *loop\n')

    assert (scan.configs, scan.errors) == ([], {'probe': 'yaml: anchor value contains itself'})


def test_aliases_that_expand_past_the_bound_are_a_config_error(tmp_path):
    lines = [b'l0: &l0 [1, 2, 3, 4, 5, 6, 7, 8, 9]']
    lines += [b'l%d: &l%d [%s]' % (i, i, b', '.join([b'*l%d' % (i - 1)] * 9)) for i in range(1, 9)]
    scan = read(tmp_path, b'\n'.join([*lines, b'instances:\n  - laughs: *l8\n']))

    assert scan.errors == {'probe': 'yaml: document contains excessive aliasing'}


def test_deep_nesting_and_size_are_bounded(tmp_path):
    deep = read(tmp_path, b'instances:\n  - ' + b'[' * 5000 + b']' * 5000 + b'\n')
    assert deep.errors['probe'].endswith(f'nests deeper than {confd.MAX_DEPTH} levels')

    big = read(tmp_path, b'instances:\n  - {}\n#' + b'x' * confd.MAX_BYTES)
    assert big.errors['probe'].endswith(f'is larger than {confd.MAX_BYTES} bytes')


def test_bytes_that_are_not_utf8_are_a_yaml_error(tmp_path):
    assert read(tmp_path, b'instances:\n  - a: "\xff"\n').errors['probe'].startswith('yaml: ')


YAML_PIECES = st.sampled_from(
    [
        b'instances:',
        b'init_config:',
        b'\n',
        b'  - ',
        b'- ',
        b'{',
        b'}',
        b'[',
        b']',
        b'&a ',
        b'*a',
        b': ',
        b'"',
        b"'",
        b'#',
        b'\t',
        b'service: ',
        b'min_collection_interval: ',
        b'45',
        b'null',
        b'\xff',
        b'ad_identifiers: ',
        b'x',
    ]
)


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(YAML_PIECES, max_size=40), noise=st.binary(max_size=20))
def test_any_file_is_a_configuration_or_a_config_error(tmp_path_factory, pieces, noise):
    """Property: whatever the bytes, reading conf.d gives configurations the loader can hash and decode, or
    config errors; no exception."""
    scan = read(tmp_path_factory.mktemp('confd'), b''.join(pieces) + noise)

    assert all(isinstance(error, str) and error for error in scan.errors.values())
    for config in scan.configs:
        assert config.name == 'probe' and config.instances
        for instance in config.instances:
            # what the loader does next with it: the check ID, then the reserved fields
            assert checkid.check_id('probe', instance, config.init_config, config.instances).startswith('probe:')
            yamlv2.decode(instance, INSTANCE_FIELDS, 'integration.CommonInstanceConfig')
