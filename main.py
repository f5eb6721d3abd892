"""Casebook: case records and survival analysis for a retrospective clinical case cohort.

With no subcommand, starts the desktop application. Subcommands work without a screen.
Heavy modules (Qt, pandas, lifelines, matplotlib) are imported only by the command that needs them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casebook", description="Case records and survival analysis for a clinical case cohort."
    )
    parser.add_argument("--db", type=Path, help="database file (default: Casebook's data folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="write the published demo cohort into a new database file")
    demo.add_argument("--db", type=Path, required=True, help="new database file to create")
    demo.add_argument("--encrypt", action="store_true",
                      help="encrypt it (passphrase from --passphrase-prompt or $CASEBOOK_PASSPHRASE)")
    demo.add_argument("--passphrase-prompt", action="store_true", help="ask for the new passphrase (twice)")
    from storage.data_commands import add_parsers as add_data_parsers  # light: no pandas or Qt

    add_data_parsers(sub)
    from analysis.command import add_parser as add_analyze_parser  # light: no numpy or Qt

    add_analyze_parser(sub)
    from analysis.figure_command import add_parsers as add_figure_parsers  # light: no matplotlib or Qt

    add_figure_parsers(sub)
    return parser


def _run_demo(args: argparse.Namespace) -> int:
    from storage.database import DatabaseError
    from storage.generated.demo import write_demo
    from storage.safety.encryption import passphrase_from_command_line

    try:
        passphrase = None
        if args.encrypt:
            passphrase = passphrase_from_command_line(args.passphrase_prompt, new=True)
            if passphrase is None:
                raise DatabaseError("--encrypt needs a passphrase: --passphrase-prompt, or CASEBOOK_PASSPHRASE")
        db = write_demo(args.db, passphrase)
    except DatabaseError as exc:
        print(f"casebook demo: {exc}", file=sys.stderr)
        return 1
    db.close()
    print(f"Wrote the demo cohort (8 reconstructed cases) to {args.db}{' (encrypted)' if args.encrypt else ''}")
    return 0


def _run_analyze(args: argparse.Namespace) -> int:
    from analysis.command import run

    return run(args)


def _run_figure_command(args: argparse.Namespace) -> int:
    from analysis.figure_command import run

    return run(args)


def _run_gui(args: argparse.Namespace) -> int:
    from gui.shell.app import run

    return int(run(args.db))


def _run_data_command(args: argparse.Namespace) -> int:
    from storage.data_commands import run

    return run(args)


COMMANDS = {"analyze": _run_analyze, "demo": _run_demo, "import": _run_data_command,
            "export": _run_data_command, "verify": _run_data_command, "figure": _run_figure_command,
            "report": _run_figure_command}


def _in_program_folder() -> None:
    """In the PyInstaller program folder, matplotlib's font cache goes to the user's cache folder: the bundle's
    start-up hook gives it a new temporary folder on every start, so every session's first figure would
    rebuild the cache (seconds on a workstation with many fonts)."""
    if getattr(sys, "frozen", False):
        from platformdirs import user_cache_dir

        cache = Path(user_cache_dir("Casebook", appauthor=False)) / "matplotlib"
        cache.mkdir(parents=True, exist_ok=True)
        os.environ["MPLCONFIGDIR"] = str(cache)


def main(argv: list[str] | None = None) -> int:
    _in_program_folder()
    args = _parser().parse_args(argv)
    if args.command is None:
        return _run_gui(args)
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:
        # The reader went away (e.g. `analyze ... | head`): stop quietly, as command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"casebook {args.command}: interrupted; nothing half-saved (each change is one transaction)",
              file=sys.stderr)
        return 130
    except Exception as exc:  # the last guard: a user never sees a traceback
        target = f" with {args.db}" if getattr(args, "db", None) else ""
        print(f"casebook {args.command}: could not finish{target}: {_plain(exc)}", file=sys.stderr)
        return 2


def _plain(exc: BaseException) -> str:
    """An unexpected error in one line, without Python's internals where the OS gave a reason."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    original = getattr(exc, "orig", None)  # SQLAlchemy wraps the database driver's error
    text = str(original if original is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
