"""`--help` names arguments and option values as a user reads them (SCENARIO..., N,
KEY=VALUE, DIR), never by Python types (`<list[Path]>`, `<int range>`) or typer's
`{name}` for a required argument."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from trucesim.cli import app

COMMANDS = [c.callback.__name__ for c in app.registered_commands if c.callback is not None]
PLACEHOLDER = re.compile(r"[<{}>]|list\[|\bPath\b|\bint\b|\bstr\b")


def help_text(*command: str) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "80"},
                                terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


def names(text: str) -> list[str]:
    """The usage line and the left column of the Arguments and Options sections: where
    the placeholders are (the descriptions may say OUT/<scenario>/)."""
    usage = text.partition("\n\n")[0]
    column, section = [], False
    for line in text.splitlines():
        section = line in ("Arguments:", "Options:") or (section and line != "")
        if section and re.match(r"^  \S", line):
            column.append(re.split(r"\s{2,}", line.strip())[0])
    return [usage, *column]


def test_every_command_is_checked():
    assert len(COMMANDS) == 13 and {"run", "compare", "calibrate", "classroom", "design"} <= {
        *COMMANDS}


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_no_python_types_as_placeholders(command):
    text = help_text(command)
    shown = names(text)
    assert shown[0].startswith("Usage:") and len(shown) > 2
    assert [n for n in shown if PLACEHOLDER.search(n)] == []
    assert "list[" not in text and "Path" not in text


def test_placeholders_say_what_to_type():
    run = names(help_text("run"))
    assert run[0].split()[-2:] == ["[OPTIONS]", "SCENARIO..."]
    assert {"-n, --replications N", "-s, --seed SEED", "-o, --out DIR", "--set KEY=VALUE",
            "-w, --workers N", "--executor KIND", "--scheduler ADDRESS",
            "-k, --parameter-sets N", "SCENARIO..."} <= {*run}
    assert names(help_text("backtest"))[0].endswith("[OPTIONS] [SCENARIO RECORD]")
    assert names(help_text("diff"))[0].endswith("[OPTIONS] SCENARIO_A SCENARIO_B")
    assert names(help_text("report"))[0].endswith("[OPTIONS] RESULTS...")
    assert "-p, --port PORT" in names(help_text("classroom"))
    assert "-m, --markdown FILE" in names(help_text("story"))
    assert {"--warm-start DIR", "--explain RANK", "DESIGN"} <= {*names(help_text("design"))}
