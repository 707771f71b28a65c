import pytest


@pytest.fixture
def agent_layout(tmp_path):
    """An empty Agent configuration folder: checks.d and conf.d."""
    (tmp_path / 'checks.d').mkdir()
    (tmp_path / 'conf.d').mkdir()
    return tmp_path
