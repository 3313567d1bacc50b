"""The ``assistant`` command: a thin layer over the library. Errors are one line on stderr, exit 2."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import present
from .errors import IndexDamagedError
from .ingestion import few_malloc_arenas
from .models import IndexStatus
from .registry import BACKENDS
from .settings import default_corpus, load_settings
from .unchanged import noop_report

if TYPE_CHECKING:
    from .core import Assistant

F = TypeVar("F", bound=Callable[..., Any])
EXIT_ERROR = 2


def fail(message: str) -> None:
    """One line on stderr, exit 2: what the user sees for every error."""
    present.Presenter().error(message)
    sys.exit(EXIT_ERROR)


def reports_errors(command: F) -> F:
    """Turn library errors (and anything unexpected) into one line, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with present.reported_errors(fail):
                return command(*args, **kwargs)
        except KeyboardInterrupt:
            present.Presenter().cancelled("interrupted")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def backend_options(command: F) -> F:
    """--backend / --model / --base-url, for the commands that answer."""
    command = click.option("--base-url", help="OpenAI-compatible server, e.g. http://localhost:11434/v1.")(
        command
    )
    command = click.option("--model", help="Model name for the OpenAI-compatible backend.")(command)
    return click.option(
        "--backend",
        type=click.Choice(list(BACKENDS)),
        help="Answer offline, with a model on a server, or with a local GGUF (ASSISTANT_MODEL_PATH).",
    )(command)


def make_assistant(**overrides: Any) -> Assistant:
    """The library's front door; imported here, so that a no-op ``ingest`` never loads it. The local
    model starts loading (in a thread of its own, shared by the process) before the answer path is
    imported, so that it is ready when the first question needs it."""
    settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    if settings.embedder == "minilm":
        from .embeddings import make_embedder

        make_embedder(settings)
    from .core import Assistant

    return Assistant(settings)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="assistant")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Answers questions from your documents, with checked quotes, or says they do not say.

    Settings come from ASSISTANT_* environment variables or a .env file (see the README).
    """
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            ctx.invoke(chat)
        else:
            click.echo(ctx.get_help())


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--bundled", is_flag=True, help="Index the bundled article again, instead of PATHS.")
@click.option("--check", is_flag=True, help="Check every chunk of the index; change nothing.")
@click.option("--repair", is_flag=True, help="Rebuild a damaged index from the corpus it records.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reports_errors
def ingest(paths: tuple[Path, ...], bundled: bool, check: bool, repair: bool, as_json: bool) -> None:
    """Index PATHS (files or folders; default: the corpus the index belongs to) so that only they are
    searched."""
    chosen = [name for name, on in (("PATHS", bool(paths)), ("--bundled", bundled), ("--check", check),
                                    ("--repair", repair)) if on]  # fmt: skip
    if len(chosen) > 1:
        fail(f"{' and '.join(chosen)} cannot be combined")
    show = present.Presenter()
    roots = [p.expanduser() for p in (default_corpus() if bundled else paths)] or None
    problems: list[str] = []
    # nothing changed: decided without Chroma or the model (``unchanged.py``), else the full path
    report = None if check or repair else noop_report(load_settings(), roots)
    if report is None:
        assistant = make_assistant()
        if check:
            _show_status(show, assistant.status(full=True), as_json)
            return
        with show.progress() as progress:
            if repair:
                problems, report = assistant.repair(progress=progress)
            else:
                report = assistant.ingest(roots, progress)
    if as_json:
        data = {"repaired": problems, **report.model_dump(mode="json")} if repair else report.model_dump()
        click.echo(json.dumps(data, indent=2, default=str))
        return
    if repair:
        show.line(f"repaired: {'; '.join(problems)}" if problems else "nothing to repair")
    show.ingest_report(report)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the IndexStatus as JSON.")
@reports_errors
def status(as_json: bool) -> None:
    """Which corpus the index answers from, its size, and whether it is fresh, stale, incomplete or
    damaged (a quick check; `assistant ingest --check` checks every chunk)."""
    _show_status(present.Presenter(), make_assistant().status(), as_json)


def _show_status(show: present.Presenter, found: IndexStatus, as_json: bool) -> None:
    """The status; a damaged index also ends in the one error line (exit 2)."""
    if as_json:
        click.echo(found.model_dump_json(indent=2))
    else:
        show.index_status(found)
    if found.condition == "damaged":
        fail(str(IndexDamagedError(found.location, "; ".join(found.problems), found.corpus)))


@cli.command()
@click.argument("query")
@click.option("-k", "top_k", type=click.IntRange(1, 50), help="How many passages.")
@click.option("--json", "as_json", is_flag=True, help="Print passages as JSON.")
@reports_errors
def search(query: str, top_k: int | None, as_json: bool) -> None:
    """Print the passages that best match QUERY, with scores and locations."""
    show = present.Presenter()
    from .core import clean_question

    assistant = make_assistant()
    clean_question(query, assistant.settings.max_question_tokens)  # bad input fails before indexing
    _index_if_needed(assistant, show)
    passages = assistant.search(query, top_k)
    if as_json:
        click.echo(json.dumps([p.model_dump() for p in passages], indent=2, ensure_ascii=False))
    else:
        show.passages(passages)


@cli.command()
@click.argument("question")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the Answer as JSON: with a model, its raw reply, finish_reason, the path taken and every "
    "sentence kept or dropped with the reason.",
)
@click.option("--no-stream", is_flag=True, help="Print the answer when it is complete.")
@click.option(
    "--explain", is_flag=True, help="Show the reader's best sentences, their scores and why each fell short."
)
@click.option("-v", "--verbose", is_flag=True, help="Also print the sentences not shown, and why.")
@backend_options
@reports_errors
def ask(
    question: str,
    as_json: bool,
    no_stream: bool,
    explain: bool,
    verbose: bool,
    backend: str | None,
    model: str | None,
    base_url: str | None,
) -> None:
    """Answer QUESTION from the documents, with numbered, quoted sources."""
    show = present.Presenter()
    from .core import clean_question

    assistant = make_assistant(backend=backend, model=model, base_url=base_url)
    clean_question(question, assistant.settings.max_question_tokens)
    _index_if_needed(assistant, show)
    if as_json:
        answer = assistant.ask(question)
        click.echo((assistant.explain(answer) if explain else answer).model_dump_json(indent=2))
        return
    waiting = present.waiting_message(assistant.settings, assistant.backend.model)
    if no_stream:
        with show.status(waiting):
            answer = assistant.ask(question)
        show.answer(answer)
    else:
        answer = show.stream_answer(assistant.stream(question), waiting)
        show.answer_details(answer)
    if explain and (explanation := assistant.explain(answer).explanation):
        show.explanation(explanation)
    if verbose:
        show.dropped(answer)


def _index_if_needed(assistant: Assistant, show: present.Presenter) -> None:
    with show.progress("opening the index") as progress:
        report = assistant.ensure_ready(progress)
    show.indexed(report)


@cli.command()
@backend_options
@reports_errors
def chat(backend: str | None, model: str | None, base_url: str | None) -> None:
    """Chat with the documents in a terminal (one question per line when piped)."""
    from .repl import run

    run(make_assistant(backend=backend, model=model, base_url=base_url))


@cli.command(name="eval")
@click.option(
    "--set",
    "set_paths",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    multiple=True,
    default=[Path("evals/dev.yaml")],
    show_default=True,
    help="Eval set (YAML, or SQuAD 2.0 JSON); repeat it to run several.",
)
@click.option("--paragraphs", help="SQuAD sets only: the questions of paragraphs FIRST-LAST (e.g. 23-44).")
@click.option(
    "--pool",
    metavar="NAME",
    help="Also grade the cases of every --set together as NAME (its entry in --gate).",
)
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="Write the report as JSON.")
@click.option("--html", "html_out", type=click.Path(path_type=Path), help="Write an HTML report.")
@click.option(
    "--gate",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="YAML of floors (min) and ceilings (max) per set and backend; exit 1 when one is broken.",
)
@click.option("--judge/--no-judge", default=None, help="LLM-judge faithfulness (default: with a model).")
@click.option(
    "--judge-self",
    is_flag=True,
    help="Let the model under test judge itself (otherwise set ASSISTANT_JUDGE_MODEL to another model).",
)
@backend_options
@reports_errors
def evaluate(
    set_paths: tuple[Path, ...],
    paragraphs: str | None,
    pool: str | None,
    json_out: Path | None,
    html_out: Path | None,
    gate: Path | None,
    judge: bool | None,
    judge_self: bool,
    backend: str | None,
    model: str | None,
    base_url: str | None,
) -> None:
    """Run eval sets and report retrieval, correctness, citations and grounding."""
    from .evaluation import load_dataset, load_gate, run_eval
    from .evaluation.html import write_html
    from .evaluation.report import print_report, print_summary
    from .evaluation.runner import pool as pooled
    from .evaluation.squad import parse_range

    if len(set_paths) > 1 and (json_out or html_out) and not pool:
        raise click.UsageError("--json and --html write one report: with several --set, name a --pool")
    datasets = [load_dataset(path, parse_range(paragraphs) if paragraphs else None) for path in set_paths]
    overrides: dict[str, Any] = {"backend": backend, "model": model, "base_url": base_url}
    settings = load_settings(**{k: v for k, v in overrides.items() if v})
    names = [*set_paths, *([Path(pool)] if pool else [])]
    limits = [load_gate(gate, name, settings.backend) for name in names] if gate else []  # before any run
    show = present.Presenter()
    reports = []
    for dataset in datasets:
        with show.status(f"running {len(dataset.cases)} cases of {dataset.name}…"):
            reports.append(run_eval(dataset, settings, judge=judge, judge_self=judge_self))
        print_report(show.out, reports[-1])
    if pool:
        reports.append(pooled(pool, reports))
        print_summary(show.out, reports[-1])
    if json_out:
        json_out.write_text(reports[-1].model_dump_json(indent=2), encoding="utf-8")
    if html_out:
        write_html(reports[-1], html_out)
    broken = False
    for name, limit, report in zip(names, limits, reports, strict=False):
        failures = limit.failures(report.summary)
        for failure in failures:
            show.hint(f"gate failed: {name.name}: {failure}")
        if not failures:
            show.hint(f"gate passed: {name.name} ({limit.count} limits)", style="green")
        broken = broken or bool(failures)
    if broken:
        sys.exit(1)


def main() -> None:
    few_malloc_arenas()  # the process is ours: before any thread starts
    cli(prog_name="assistant")
