"""How `--help` names a command's arguments: by their metavar alone (`SCENARIO...`,
`[SCENARIO]`), as a user reads them, not with typer's `{name}` for a required argument
and its Python type (`<list[Path]>`, `<path>`) after the name. Options take their
placeholder from `metavar=` where they are declared (`N`, `KEY=VALUE`, `DIR`)."""

from __future__ import annotations

from typing import Any

import typer.core


class Command(typer.core.TyperCommand):
    """A typer command whose usage line and Arguments section show each argument's
    metavar as written (it says itself whether the argument is optional or repeated)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, typer.core.TyperArgument) and param.metavar:
                pieces.append(param.metavar)
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        args, opts = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if isinstance(param, typer.core.TyperArgument):
                args.append((param.metavar or record[0], record[1]))
            else:
                opts.append(record)
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
