"""The running `scripts/develop` of tests/develop/test_develop_command.py, for every test here."""

from tests.develop.test_develop_command import develop  # noqa: F401  # a fixture
