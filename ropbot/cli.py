"""`ropbot` command line: a thin layer over the library (validate, ask, chat, eval, bench, run)."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .config import Settings, SettingsError
from .intents import Audience
from .loader import coverage, load_corpus
from .output import dump, json_option, report
from .yamlio import load_file


def _engine(settings: Settings):
    from .engine import Engine
    from .live import CorpusError, LiveKnowledge

    try:
        return Engine(LiveKnowledge(settings.corpus_dir, settings.intents_dir, settle_heap=True))
    except CorpusError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(2) from None


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    result = load_corpus(Path(args.corpus) if args.corpus else settings.corpus_dir)
    report = coverage(result)
    if args.json:
        dump(report)
    else:
        for problem in result.errors:
            print(f"error: {problem}")
        for problem in result.warnings:
            print(f"warning: {problem}")
        print(f"{'OK' if result.ok else 'FEIL'}: {report['recommendations_total']} anbefalinger "
              f"({report['recommendations_written']} skrevet, {report['recommendations_placeholder']} plassholdere), "
              f"{report['roles']} roller, {report['topics']} temaer, {report['glossary_terms']} ordlisteord, "
              f"minst {report['examples_min']} eksempler per anbefaling")
    return 0 if result.ok else 2


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    audience = Audience.RELATIVE if args.relative else Audience.STAFF
    reply = engine.handle(" ".join(args.question), audience)
    if args.json:
        dump({
            "decision": reply.decision,
            "entry_id": reply.entry_id,
            "audience": reply.audience,
            "hits": [{"id": h.id, "score": round(h.score, 4)} for h in reply.hits],
            "source": reply.source_url,
            "text": reply.text(),
        })
    else:
        print(reply.text())
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from .chat import run_chat

    return run_chat(_engine(settings), banner=args.banner or "")


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from .evaluate import evaluate, evaluate_blind, is_crisis_set, load_questions

    questions = load_questions(Path(args.file))
    if is_crisis_set(questions):
        return _print_crisis(evaluate_blind(_engine(settings), questions), args)
    if not all("expect" in q for q in questions):  # a blind set, not one in dev.yaml's format
        report = evaluate_blind(_engine(settings), questions)
        if args.no_misses:
            report.pop("misses")
        if args.json:
            dump(report)
        else:
            for miss in report.get("misses", ()):
                print("miss", json.dumps(miss, ensure_ascii=False))
            print(" ".join(f"{k}={v}" for k, v in report.items() if k != "misses"))
        return 0
    report = evaluate(_engine(settings), questions)
    if args.json:
        if args.no_misses:
            report.pop("misses")
        dump(report)
        return 0
    for miss in report["misses"]:
        print(f"miss {miss['id']}: expect {','.join(miss['expect'])} got {miss['got']}  {miss['hits']}  «{miss['text']}»")
    print(f"n={report['n']} top1={report['top1']} top3={report['top3']} mrr={report['mrr']} "
          f"crisis_recall={report['crisis_recall']} crisis_false_alarms={report['crisis_false_alarms']} "
          f"abstain={report['abstain']} p50_ms={report['p50_ms']} p99_ms={report['p99_ms']}")
    for kind, stats in report["by_kind"].items():
        print(f"  {kind}: n={stats['n']} top1={stats['top1']}")
    return 0


def _print_crisis(report: dict, args: argparse.Namespace) -> int:
    lists = ("acute_misses", "false_alarms", "concern_without_numbers")
    if args.json:
        dump({k: v for k, v in report.items() if not (args.no_misses and k in lists)})
        return 0
    for key in lists:
        for text in report[key]:
            print(f"{key[:-1] if key.endswith('s') else key}: «{text}»")
    print(" ".join(f"{k}={v}" for k, v in report.items() if k not in lists))
    return 0


def cmd_crisis_train(args: argparse.Namespace, settings: Settings) -> int:
    from .crisis import CrisisRules
    from .crisis_train import train

    rules = CrisisRules.load(settings.intents_dir / "crisis.yaml")
    out = settings.intents_dir / "crisis_model.json"
    # Everyday questions as negatives: the corpus examples and the sets given with --ordinary
    # (`make train` names them: blind question and chat sets, a locked half only once scored).
    corpus = load_corpus(settings.corpus_dir).corpus
    ordinary = {"corpus examples": [x for e in corpus.entries() for x in e.examples] if corpus is not None else []}
    for name in args.ordinary:
        ordinary[Path(name).name] = [row["text"] for row in load_file(Path(name))]
    report = train(rules, [Path(f) for f in args.sets], out, ordinary)
    dump(report)
    return 0


def cmd_rank_train(args: argparse.Namespace, settings: Settings) -> int:
    from .live import LiveKnowledge
    from .rank_train import train

    live = LiveKnowledge(settings.corpus_dir, settings.intents_dir)
    report = train(live.current, [Path(f) for f in args.sets], settings.intents_dir)
    dump(report)
    return 0


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from .bench.latency import run_bench

    return report(run_bench(settings, Path(args.questions), handlers=not args.no_handlers, web=args.web), args.json)


DEFAULT_WEB_PORT = 8080


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    from .watcher import CorpusWatcher, Maintenance
    from .web.server import serve

    engine = _engine(settings)
    # The page follows corpus changes on disk as the bot does (no store: nothing to purge).
    watcher = Maintenance(CorpusWatcher(engine.live), None, settings.watch_seconds)
    watcher.start()
    host = args.host or settings.web_host
    port = args.port if args.port is not None else settings.web_port or DEFAULT_WEB_PORT
    try:
        return serve(engine, host, port)
    except OSError as exc:
        print(f"ropbot web: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    finally:
        watcher.stop()


NO_TOKEN_BANNER = (
    "ropbot i terminalen (TELEGRAM_BOT_TOKEN er ikke satt).\n"
    "For Telegram: sett TELEGRAM_BOT_TOKEN (fra @BotFather) og kjør `make run` på nytt; se README.md."
)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.telegram_token:
        args.banner = NO_TOKEN_BANNER
        return cmd_chat(args, settings)
    from .telegram.app import run_telegram

    return run_telegram(settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ropbot", description="Assistent for ROP-retningslinjen (IS-1948).")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check corpus/ and report coverage")
    json_option(p)
    p.add_argument("--corpus", help="corpus folder (default: ROPBOT_CORPUS or ./corpus)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question", nargs="+")
    json_option(p)
    p.add_argument("--relative", action="store_true", help="answer as for a patient or relative")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="chat in the terminal")
    p.set_defaults(func=cmd_chat, banner="")

    p = sub.add_parser("eval", help="score matching on a question set")
    p.add_argument("file")
    json_option(p)
    p.add_argument("--no-misses", action="store_true", help="leave the misses out of --json")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("crisis-train", help="fit the crisis model (needs pip install -e '.[train]')")
    p.add_argument("sets", nargs="+", help="labelled crisis sets to fit on (`make train` names them)")
    p.add_argument("--ordinary", nargs="*", default=[], help="question sets whose messages are everyday negatives")
    p.set_defaults(func=cmd_crisis_train)

    p = sub.add_parser("rank-train", help="fit the ranker and its decision levels (needs '.[train]')")
    p.add_argument("sets", nargs="+", help="blind question sets to fit on (`make train` names the tuning halves)")
    p.set_defaults(func=cmd_rank_train)

    p = sub.add_parser("bench", help="print latency, load time, memory, handler throughput and flood figures")
    json_option(p)
    p.add_argument("--questions", default=str(Path(__file__).resolve().parent.parent.parent / "shared/eval/dev.yaml"))
    p.add_argument("--no-handlers", action="store_true", help="skip the Telegram handler benchmark")
    p.add_argument("--web", action="store_true",
                   help="also measure the web page: search p99, page weight, first render in headless Chromium")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("web", help="serve the web page (search, entries, deep links) over the live corpus")
    p.add_argument("--host", help="address to listen on (default: ROPBOT_WEB_HOST or 127.0.0.1)")
    p.add_argument("--port", type=_port, help=f"port (default: ROPBOT_WEB_PORT or {DEFAULT_WEB_PORT})")
    p.set_defaults(func=cmd_web)

    p = sub.add_parser("run", help="run on Telegram if TELEGRAM_BOT_TOKEN is set, else chat in the terminal")
    p.set_defaults(func=cmd_run, banner="")

    from . import admin_cli

    admin_cli.register(sub)
    return parser


def _port(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError("a port is a whole number from 1 to 65535")
    return int(value)


def quiet_libraries() -> None:
    """python-telegram-bot logs chat ids and reply texts at DEBUG, and httpx logs request URLs
    (with the bot token) at INFO: keep them at INFO and WARNING whatever ROPBOT_LOG_LEVEL says."""
    logging.getLogger("telegram").setLevel(logging.INFO)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"ropbot: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=getattr(logging, settings.log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_libraries()
    args = build_parser().parse_args(argv)
    return args.func(args, settings)


if __name__ == "__main__":
    raise SystemExit(main())
