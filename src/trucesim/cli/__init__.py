"""The `trucesim` command: parse, call, write, report (DESIGN.md §5.8).

The app and the explicit registration of every command, one module per command group:
:mod:`.runs` (run, validate), :mod:`.analysis` (compare, diff), :mod:`.sweeps`,
:mod:`.design`, :mod:`.validity` (params, backtest), :mod:`.calibrate`, :mod:`.teaching`
(story, report), :mod:`.classroom`, :mod:`.bench`; what they share is in :mod:`.options`.
User errors (a bad scenario file, a bad option) become one line each on stderr and exit
code 2, with no traceback and no results written; an interrupt (Ctrl-C, SIGTERM) exits
with code 130. Heavy modules are imported inside the commands, so `trucesim --help`
starts fast.
"""

from __future__ import annotations

import typer

from trucesim.cli import (
    analysis,
    bench,
    calibrate,
    classroom,
    design,
    runs,
    sweeps,
    teaching,
    validity,
)
from trucesim.cli.helptext import Command

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="Simulate a negotiated truce (after the July 2025 Gaza proposal) many times over "
         "and summarise how it unfolds. Results are illustrative model outputs under each "
         "scenario's stated assumptions, not forecasts.",
)

# in the order --help lists them; each shows its arguments by their metavars (Command)
for command in (runs.run, runs.validate, bench.bench, analysis.diff, analysis.compare,
                sweeps.sweep, design.design, validity.params, validity.backtest,
                calibrate.calibrate, teaching.story, teaching.report, classroom.classroom):
    app.command(cls=Command)(command)

def usage_error(error: typer.TyperException) -> str:
    """A mistyped command line as one line: what is wrong, and where to read how (Typer's
    own Click raises a TyperException, with the command's context on a usage error)."""
    message = error.format_message() if hasattr(error, "format_message") else str(error)
    ctx = getattr(error, "ctx", None)
    if ctx is None:
        return f"error: {' '.join(message.split())}"
    if message == ctx.get_help():  # a group typed alone shows its help, as --help does
        return message
    where = ctx.command_path
    return f"error: {where}: {' '.join(message.split()).rstrip('.')}; see '{where} --help'"


def main() -> None:
    """The `trucesim` command. Ctrl-C or SIGTERM outside a run (which handles them itself,
    :mod:`trucesim.run.interrupt`) ends the command with one line and exit code 130; a
    mistyped command line (an unknown option, a missing argument, a value of the wrong
    type) is one line on stderr and exit code 2, as a bad scenario file is."""
    import sys

    from trucesim.run import interrupt

    interrupt.raise_stopped()
    interrupt.ignore_after_stop = True
    try:
        code = app(standalone_mode=False, prog_name="trucesim")
    except typer.TyperException as error:
        sys.stderr.write(usage_error(error) + "\n")
        sys.exit(getattr(error, "exit_code", 2))
    except (interrupt.Stopped, KeyboardInterrupt, typer.Abort):
        interrupt.ignore()
        sys.stderr.write("error: interrupted; nothing was written\n")
        sys.exit(130)
    finally:  # the command is over: a press while Python shuts down changes nothing
        interrupt.ignore()
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
