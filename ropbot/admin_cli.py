"""Admin commands for the CLI: stats, unanswered, versions, rollback, publish, export, purge, storebench.

They do what the Telegram admin commands do, on the same DB and corpus folder,
so an admin on the server never needs the bot. A running bot picks up a publish
or rollback made here through its corpus watcher (ROPBOT_WATCH_SECONDS).
Exit codes: 0 ok, 1 refused or failed (message on stderr), 2 invalid corpus.
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .config import Settings
from .output import dump, json_option, report

CLI_ACTOR = "cli"


def _store(settings: Settings, purge: bool = True):
    from .store import Store

    return Store.from_settings(settings, purge=purge)


def _live(settings: Settings):
    from .live import CorpusError, LiveKnowledge

    try:
        return LiveKnowledge(settings.corpus_dir, settings.intents_dir)
    except CorpusError as exc:
        print(str(exc), file=sys.stderr)
        return None


def _fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from .reports import format_stats

    store = _store(settings)
    reports = [store.stats(days) for days in args.days]
    if args.json:
        dump(reports)
    else:
        titles = None
        if not args.no_titles:
            live = _live(settings)
            if live is not None:
                titles = lambda entry_id: getattr(live.current.corpus.get(entry_id), "title", None)  # noqa: E731
        print(format_stats(reports, titles))
    return _write_charts(store, Path(args.png)) if args.png else 0


def _write_charts(store: Any, folder: Path) -> int:
    """The /stats charts as files; a note on stderr, so --json output stays one JSON document."""
    from . import charts

    try:
        paths = charts.write(charts.render(store), folder)
    except OSError as exc:
        return _fail(f"Kunne ikke lagre grafene i {folder}: {exc.strerror or exc}")
    print("Grafer lagret: " + ", ".join(str(p) for p in paths), file=sys.stderr)
    return 0


def cmd_unanswered(args: argparse.Namespace, settings: Settings) -> int:
    from .reports import format_unanswered, group_unanswered

    store = _store(settings)
    rows = store.unanswered_rows(days=args.days, limit=args.max_rows)
    live = _live(settings)
    rank = title = None
    if live is not None:
        knowledge = live.current
        rank = lambda text: knowledge.matcher.rank(text, limit=1)  # noqa: E731
        title = lambda entry_id: getattr(knowledge.corpus.get(entry_id), "title", None)  # noqa: E731
    from .normalize import Lexicon

    question_words = Lexicon.load(settings.intents_dir / "lexicon.yaml").question_words
    groups = group_unanswered(rows, rank, title, limit=args.limit, stopwords=question_words)
    if args.json:
        dump({"days": args.days, "questions": len(rows), "groups": groups})
    else:
        print(format_unanswered(groups, len(rows), args.days))
    return 0


def cmd_versions(args: argparse.Namespace, settings: Settings) -> int:
    from .loader import checksum_of
    from .publish import Publisher
    from .reports import format_versions

    store = _store(settings)
    publisher = Publisher(settings.corpus_dir, store)
    publisher.reconcile()
    live = checksum_of(publisher.current_files())
    versions = store.versions(limit=args.limit)
    if args.json:
        dump({"live_checksum": live, "versions": [v.__dict__ for v in versions]})
    else:
        print(format_versions(versions, live))
    return 0


def _report_publish(result: Any, args: argparse.Namespace, verb: str) -> int:
    if args.json:
        dump({"version": result.version_id, "checksum": result.checksum, "unchanged": result.unchanged,
               "diff": result.diff.as_dict()})
        return 0
    if result.unchanged:
        print("Ingen endring: korpuset på disk er allerede slik.")
        return 0
    print(result.diff.summary())
    print(f"{verb} som versjon {result.version_id} ({result.checksum[:12]}). "
          "En kjørende bot laster den inn innen ROPBOT_WATCH_SECONDS.")
    return 0


def cmd_rollback(args: argparse.Namespace, settings: Settings) -> int:
    from .publish import Publisher, PublishError

    publisher = Publisher(settings.corpus_dir, _store(settings))
    try:
        result = publisher.rollback(args.version, CLI_ACTOR)
    except PublishError as exc:
        return _fail(exc.user_text, 2 if exc.problems else 1)
    return _report_publish(result, args, f"Rullet tilbake til versjon {args.version}; publisert")


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    from .publish import Publisher, PublishError, normalise_name

    publisher = Publisher(settings.corpus_dir, _store(settings))
    try:
        files = {normalise_name(Path(f).name): Path(f).read_bytes() for f in args.files}
    except OSError as exc:
        return _fail(f"Kan ikke lese {exc.filename}: {exc.strerror}")
    except PublishError as exc:
        return _fail(exc.user_text)
    if args.dry_run:
        result, diff = publisher.preview(files, exact=args.exact)
        for problem in result.errors:
            print(f"error: {problem}")
        if not result.ok:
            return 2
        if args.json:
            dump({"ok": True, "diff": diff.as_dict()})
        else:
            print(diff.summary())
            print("Gyldig (ikke publisert: --dry-run).")
        return 0
    try:
        published = publisher.publish_files(files, CLI_ACTOR, args.note, confirm=args.confirm, exact=args.exact)
    except PublishError as exc:
        return _fail(exc.user_text, 2 if exc.problems else 1)
    return _report_publish(published, args, "Publisert")


def _since(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value) if "T" in value else datetime.combine(date.fromisoformat(value),
                                                                                      datetime.min.time())
    except ValueError:
        raise argparse.ArgumentTypeError(f"ugyldig dato {value!r} (bruk ÅÅÅÅ-MM-DD)") from None
    return parsed.strftime("%Y-%m-%dT%H:%M:%S")


EXPORT_FIELDS = ["ts", "audience", "decision", "entry_id", "score", "latency_ms", "vote", "text"]


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in store.export_rows(args.since):
        writer.writerow(row)
    return 0


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    # Opened without its own start-up purge, so the rows this command deletes are the ones it counts.
    counts = _store(settings, purge=False).purge()
    if args.json:
        dump(counts)
    else:
        print(f"Slettet {counts['queries']} spørsmål, {counts['feedback']} tilbakemeldinger og "
              f"{counts['users']} brukere eldre enn {settings.retention_days} dager.")
    return 0


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    rows = _store(settings).audit_log(limit=args.limit)
    if args.json:
        dump(rows)
        return 0
    for row in rows:
        who = (row["admin"] or "systemet")[:12]
        print(f"{row['ts']}  {who:<12}  {row['action']:<12}  {row['detail'] or ''}")
    if not rows:
        print("Ingen hendelser i revisjonsloggen.")
    return 0


def cmd_storebench(args: argparse.Namespace, settings: Settings) -> int:
    from .bench.store import run

    return report(run(queries=args.queries), args.json)


def _guarded(func):
    """Print a store's Norwegian error text instead of a traceback (locked or full DB)."""

    def run(args: argparse.Namespace, settings: Settings) -> int:
        from .store import StoreError

        try:
            return func(args, settings)
        except StoreError as exc:
            return _fail(exc.user_text)

    return run


def _command(sub: argparse._SubParsersAction, name: str, help: str, func: Callable[..., int],
             json: bool = True) -> argparse.ArgumentParser:
    """One admin subcommand: store errors become a plain message, and --json where it reports."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help)
    parser.set_defaults(func=_guarded(func))
    return json_option(parser) if json else parser


def register(sub: argparse._SubParsersAction) -> None:
    """Add the admin subcommands to `ropbot`'s parser."""
    p = _command(sub, "stats", "questions per day, answer and fallback rate, top entries, feedback", cmd_stats)
    p.add_argument("--days", type=int, nargs="+", default=[7, 30], help="periods in days (default 7 30)")
    p.add_argument("--no-titles", action="store_true", help="do not load the corpus for entry titles")
    p.add_argument("--png", metavar="DIR",
                   help="also write the /stats charts (questions per day, most-used entries; last 30 days) to DIR")

    p = _command(sub, "unanswered", "fallbacks, uncertain and down-voted answers, grouped", cmd_unanswered)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--limit", type=int, default=15, help="groups to show")
    p.add_argument("--max-rows", type=int, default=1000, help="questions to consider")

    p = _command(sub, "versions", "list corpus versions", cmd_versions)
    p.add_argument("--limit", type=int, default=30)

    p = _command(sub, "rollback", "publish an earlier corpus version again", cmd_rollback)
    p.add_argument("version", type=int)

    p = _command(sub, "publish", "validate YAML files against corpus/ and publish them as a new version", cmd_publish)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--note", help="a note for the version history")
    p.add_argument("--dry-run", action="store_true", help="validate and show the diff only")
    p.add_argument("--exact", action="store_true",
                   help="the files given become the whole corpus: a corpus file not named is removed")
    p.add_argument("--confirm", action="store_true",
                   help="accept changes to an existing recommendation's chapter, section, grade or source")

    p = _command(sub, "export", "CSV of masked queries to stdout", cmd_export, json=False)
    p.add_argument("--since", required=True, type=_since, help="YYYY-MM-DD (UTC)")

    p = _command(sub, "audit", "the admin audit log: who did what to the corpus and the store (ids hashed)", cmd_audit)
    p.add_argument("--limit", type=int, default=50)

    _command(sub, "purge", "delete stored data older than ROPBOT_RETENTION_DAYS now", cmd_purge)

    p = _command(sub, "storebench", "store size per 1,000 queries and /stats latency on synthetic data", cmd_storebench)
    p.add_argument("--queries", type=int, default=100_000)
