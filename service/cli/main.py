"""hip-screen: the screening engine on the command line, without a server.

Exit status: 0 when everything passed, 1 when some answer set was invalid (its errors are in
the output) or the rulebook fails its checks, 2 when the command or its input cannot be used.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from .. import rulebook
from ..rulebook import RulebookError
from ..screening.screener import Screener
from . import intake, roster

EXIT_INVALID = 1
EXIT_USAGE = 2


class InputError(click.ClickException):
    """The input cannot be read as a whole."""

    exit_code = EXIT_USAGE


def _rules_dir_option(command: Any) -> Any:
    return click.option(
        "--rules-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), envvar="SERVICE_RULES_DIR",
        help="Rulebook directory (default: the rulebook shipped with the service; env SERVICE_RULES_DIR).",
    )(command)


def _screener(rules_dir: Path | None, check: bool = True) -> Screener:
    try:
        screener = Screener(rulebook.load(rules_dir))
        if check:
            screener.check_examples()
    except RulebookError as error:
        raise click.ClickException(f"the rulebook is not valid: {error}") from error
    return screener


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hip-ir-screening")
def main() -> None:
    """Screen athletes for the lying knee-to-knee hip mobilization, and check the rulebook."""


@main.command()
@click.argument("input_file", metavar="INPUT", type=click.File("r", encoding="utf-8-sig", lazy=True))
@click.option("--from", "input_format", type=click.Choice(roster.FORMATS),
              help="Input format (default: from the file extension: .json, .jsonl/.ndjson, .csv).")
@click.option("--to", "output_format", type=click.Choice(roster.FORMATS),
              help="Output format (default: the input format).")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8", lazy=True), default="-",
              help="Where to write the results (default: standard output).")
@click.option("--id-column", metavar="NAME",
              help="A column (CSV) or key (JSON) naming the athlete: copied to the output, not screened.")
@_rules_dir_option
def screen(input_file: Any, input_format: str | None, output_format: str | None, output: Any,
           id_column: str | None, rules_dir: Path | None) -> None:
    """Screen the answer sets in INPUT (a file, or - for standard input).

    INPUT is one JSON object of answers, a JSON array of them (or a batch body
    {"items": [...]}), JSON Lines (one object per line) or a CSV roster: a header row of
    field names, then one athlete per row; list answers are separated by ";", booleans are
    true or false, an empty cell leaves the question unanswered.

    Each answer set is judged alone; one with errors gets them in the output instead of a
    screening, and the exit status is then 1.
    """
    input_format = input_format or roster.EXTENSIONS.get(Path(input_file.name).suffix.lower())
    if input_format is None:
        raise click.UsageError(f"cannot tell the format of {input_file.name!r}: use --from json|jsonl|csv")
    if id_column is not None and id_column in roster.RESULT_KEYS:
        raise click.BadParameter(f"{id_column!r} is a key of the results; rename the column", param_hint="--id-column")
    try:
        text = input_file.read()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read {input_file.name}: {error}") from error
    screener = _screener(rules_dir)
    try:
        records = _read(text, input_format, screener, id_column)
    except roster.RosterError as error:
        raise InputError(f"{input_file.name}: {error}") from error
    results = [roster.result(screener, record, id_column) for record in _progress(records)]
    output_format = output_format or input_format
    if output_format == "csv":
        output.write(roster.write_csv(results, id_column))
    elif output_format == "jsonl":
        output.write(roster.write_jsonl(results))
    else:
        output.write(roster.write_json(results))
    failed = [item for item in results if not item["ok"]]
    where = ", ".join(f"line {item['line']}" if "line" in item else f"item {item['index']}" for item in failed[:10])
    click.echo(f"Screened {len(results)}: {len(results) - len(failed)} ok, {len(failed)} invalid"
               + (f" ({where}{', ...' if len(failed) > 10 else ''})." if failed else "."), err=True)
    if failed:
        sys.exit(EXIT_INVALID)


def _read(text: str, input_format: str, screener: Screener, id_column: str | None) -> list[roster.Record]:
    if input_format == "csv":
        return roster.read_csv(text, screener.rulebook.questions, id_column)
    records = roster.read_json(text) if input_format == "json" else roster.read_jsonl(text)
    if id_column is not None:
        for record in records:
            if isinstance(record.answers, dict):
                record.label = record.answers.pop(id_column, None)
    return records


def _progress(records: list[roster.Record]) -> Iterable[roster.Record]:
    """A progress bar on a terminal; nothing when stderr is a file or a pipe."""
    if not sys.stderr.isatty() or len(records) < 2:
        yield from records
        return
    with click.progressbar(records, label="Screening", file=sys.stderr) as bar:
        yield from bar


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--port", type=click.IntRange(1, 65535), envvar="PORT", default=8000, show_default=True,
              help="Port to listen on, on every interface (env PORT).")
@_rules_dir_option
@click.argument("gunicorn_options", nargs=-1, type=click.UNPROCESSED)
def serve(port: int, rules_dir: Path | None, gunicorn_options: tuple[str, ...]) -> None:
    """Serve the API with gunicorn and the service's settings (what `make run` does).

    Options after the known ones go to gunicorn as they are, e.g. `hip-screen serve -- --workers 4`.
    The SERVICE_* environment variables configure the app as usual.
    """
    os.environ["PORT"] = str(port)
    if rules_dir is not None:
        os.environ["SERVICE_RULES_DIR"] = str(rules_dir)
    # exec, not a child: signals from a process manager reach gunicorn's master directly.
    argv = [sys.executable, "-m", "gunicorn", "--config", "python:service.gunicorn_conf", *gunicorn_options,
            "service:create_app()"]
    os.execv(sys.executable, argv)


@main.command("check-rules")
@_rules_dir_option
def check_rules(rules_dir: Path | None) -> None:
    """Load the rulebook, compile it into durable-rules and run its examples."""
    screener = _screener(rules_dir)
    book = screener.rulebook
    click.echo(f"{book.name} {book.rules_version}: {len(book.questions)} questions, {len(book.rules)} rules, "
               f"{len(book.examples)} examples; all examples agree with the engine.")


@main.command("run-examples")
@_rules_dir_option
def run_examples(rules_dir: Path | None) -> None:
    """Run every rule file example through the engine and print whether each passes."""
    screener = _screener(rules_dir, check=False)
    failures = 0
    for example in screener.rulebook.examples:
        mismatches = screener.example_mismatches(example)
        failures += bool(mismatches)
        status = click.style("FAIL", fg="red") if mismatches else click.style("pass", fg="green")
        click.echo(f"{status}  {example.file}: {example.name}")
        if mismatches:
            click.echo(f"      {'; '.join(mismatches)}")
    total = len(screener.rulebook.examples)
    click.echo(f"{total - failures} of {total} examples pass.")
    if failures:
        sys.exit(EXIT_INVALID)


@main.command("verify")
@_rules_dir_option
@click.option("--processes", type=click.IntRange(min=1), default=2, show_default=True,
              help="Worker processes for the exhaustive run.")
def verify(rules_dir: Path | None, processes: int) -> None:
    """Run every answer class through the engine: invariants, coverage and shadowed rules."""
    from ..verification import run as verification  # heavy, and only this command needs it

    argv = ["--processes", str(processes), *(["--rules-dir", str(rules_dir)] if rules_dir else [])]
    status = verification.main(argv)
    if status:
        sys.exit(EXIT_INVALID)


@main.command("table")
@_rules_dir_option
@click.option("--format", "fmt", type=click.Choice(["md", "csv"]), default="md", show_default=True,
              help="Markdown for reading, CSV for a spreadsheet.")
def table(rules_dir: Path | None, fmt: str) -> None:
    """Print the decision for every class of the answers that decide, one row per class."""
    from ..verification import table as decision_table

    header, rows = decision_table.rows(_screener(rules_dir).rulebook)
    click.echo(decision_table.render(header, rows, fmt), nl=False)


for _command in intake.COMMANDS:
    main.add_command(_command)
