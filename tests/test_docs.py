"""Every command has help text, a Python twin named in its help, and a README section."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from helpers import cli

import pgsnap
from pgsnap.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text()
COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help_and_readme_section(name: str) -> None:
    command = main.commands[name]
    assert isinstance(command, click.Command) and command.help
    assert "Python:" in command.help
    assert f"pgsnap {name}" in README
    res = cli(name, "--help")
    assert res.exit_code == 0 and "Usage:" in res.output


@pytest.mark.parametrize("name", ["dump", "load", "copy"])
def test_python_twin_exists_and_takes_keyword_options(name: str) -> None:
    import inspect

    fn = getattr(pgsnap, name)
    params = list(inspect.signature(fn).parameters.values())
    assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])
    for option in main.commands[name].params:
        if isinstance(option, click.Option) and option.name not in ("quiet", "yes"):
            assert option.name in inspect.signature(fn).parameters, option.name


def test_every_exit_code_is_documented() -> None:
    from pgsnap import errors

    codes = {v for k, v in vars(errors).items() if k.startswith("EXIT_")}
    for code in codes:
        assert f"| {code} |" in README, code
