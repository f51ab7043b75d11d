"""The examples in deploy/ stay true: every unit's command is one `percorsi` accepts, the units
pass `systemd-analyze verify`, and the environment file names only settings that exist."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import click
import pytest

from engine import Settings
from web.cli import main

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
PERCORSI = "/opt/percorsi/.venv/bin/percorsi"


def exec_lines(unit: Path) -> list[str]:
    return [
        line.split("=", 1)[1]
        for line in unit.read_text().splitlines()
        if line.startswith(("ExecStart=", "ExecStartPost="))
    ]


def percorsi_arguments(command: str) -> list[str]:
    """The arguments given to `percorsi` in a unit's command (through sh -c too)."""
    words = shlex.split(command.replace("%%", "%").replace("%i", "1"))
    if words[:2] == ["/bin/sh", "-c"]:
        words = shlex.split(words[2].removeprefix("exec "))
    return words[1:] if words and words[0] == PERCORSI else []


def parse(args: list[str]) -> None:
    """Parse `percorsi ARGS` as the command line would, without running it (raises if wrong)."""
    command: click.Command = main
    words, name = list(args), "percorsi"
    while isinstance(command, click.Group):
        name, *words = words
        found = command.get_command(click.Context(command), name)
        assert found is not None, f"unknown subcommand {name}"
        command = found
    command.make_context(name, words)


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_each_unit_runs_a_command_percorsi_accepts(unit: Path) -> None:
    commands = [c for c in (percorsi_arguments(line) for line in exec_lines(unit)) if c]
    assert commands, f"{unit.name} runs no percorsi command"
    for args in commands:
        parse(args)


def test_a_wrong_option_would_be_caught() -> None:
    with pytest.raises(click.NoSuchOption):
        parse(["serve", "--wokers", "4"])


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    here = str(Path(sys.executable).parent / "percorsi")
    for unit in [*UNITS, *sorted((DEPLOY / "systemd").glob("*.timer"))]:
        (tmp_path / unit.name).write_text(unit.read_text().replace(PERCORSI, here))
    names = [str(tmp_path / u.name) for u in sorted(tmp_path.iterdir())]
    done = subprocess.run(
        ["systemd-analyze", "verify", *names], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr


def test_the_environment_example_names_only_real_settings() -> None:
    known = {f"PERCORSI_{f.name.upper()}" for f in fields(Settings)}
    named = re.findall(r"^(PERCORSI_[A-Z_]+)=", (DEPLOY / "percorsi.env.example").read_text(), re.M)
    assert named and set(named) <= known, set(named) - known
