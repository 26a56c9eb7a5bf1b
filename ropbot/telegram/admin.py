"""Admin commands in Telegram, and the store behind the channel's Recorder hooks.

`app.run_telegram` calls `setup(settings, live, engine)`, which opens the store
(purging old rows), settles any interrupted publish, starts the maintenance
thread (corpus watch + daily purge) and returns `(store, register)`.

Access control is on the server, in every handler: the user id must be in
ROPBOT_ADMINS. Telegram's command menus are not access control. A non-admin
gets exactly what they would get for something ropbot does not know: commands
go to the channel's `unknown_command`, admin buttons to its `on_callback`
(which calls them expired), documents to its non-text hint. Admin commands only
work in private chats, so figures never land in a group.

Output is plain text (no parse mode), so nothing from the corpus or users can
inject markup. Slow work (validation, publishing, reports) runs in a worker
thread so the bot keeps answering others meanwhile.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from ..config import Settings
from ..loader import coverage
from ..publish import MAX_FILE_BYTES, Publisher, PublishError, normalise_name
from ..reports import format_stats, format_unanswered, format_versions, group_unanswered
from ..store import Store, StoreError
from ..validate import format_problems
from ..watcher import CorpusWatcher, Maintenance
from . import handlers as h
from .context import ADMIN_KEY, Context, Handler
from .hooks import Recorder
from .render import MAX_MESSAGE, NO_PREVIEW, split_text

log = logging.getLogger(__name__)

PUBLISH_BUTTON = "adm|pub"
DISCARD_BUTTON = "adm|discard"

COMMANDS = ("admin", "reload", "publiser", "versjoner", "tilbake", "stats", "ubesvart", "forkast")

HELP = (
    "Admin-kommandoer:\n"
    "/admin – denne oversikten\n"
    "/reload – les corpus/ på nytt (feil vises med fil:linje, og gammelt korpus brukes videre)\n"
    "Send en .yaml-fil som dokument – den sjekkes og klargjøres, og du ser hva som endres\n"
    "/publiser [notat] – publiser det som er klargjort\n"
    "/forkast – forkast det som er klargjort\n"
    "/versjoner – korpusversjoner\n"
    "/tilbake N – rull tilbake til versjon N\n"
    "/stats – bruk siste 7 og 30 dager, med grafer\n"
    "/ubesvart [dager] – spørsmål ropbot ikke klarte, gruppert"
)


@dataclass
class AdminDeps:
    settings: Settings
    live: Any
    store: Store | None
    publisher: Publisher | None
    error: str | None = None  # why the store is missing, shown to admins
    maintenance: Maintenance | None = None

    @property
    def db(self) -> Store:
        """The store, for work that `_work` runs only once it has checked the store is there."""
        if self.store is None:
            raise self.missing()
        return self.store

    @property
    def pub(self) -> Publisher:
        if self.publisher is None:
            raise self.missing()
        return self.publisher

    def missing(self) -> StoreError:
        return StoreError("store unavailable", "Databasen er ikke tilgjengelig: " + (self.error or "ukjent feil"))


# --- wiring ---------------------------------------------------------------------------------


def setup(settings: Settings, live: Any, engine: Any) -> tuple[Recorder | None, Callable[[Application], None]]:
    """Open the store and return (recorder, extra_handlers) for `build_application`.

    If the DB cannot be opened the bot still answers users (nothing is stored)
    and admin commands say what is wrong, instead of the bot refusing to start.
    """
    store: Store | None = None
    publisher: Publisher | None = None
    error: str | None = None
    worker: Maintenance | None = None
    try:
        store = Store.from_settings(settings)
        if not store.integrity_ok():  # the bot keeps answering; admins see why figures may be off
            error = "databasen feilet integritetssjekken (PRAGMA integrity_check); ta en kopi og gjenopprett den"
            log.error("the database failed its integrity check: %s", settings.db_path.name)
        publisher = Publisher(settings.corpus_dir, store, live)
        try:
            done = publisher.reconcile(wait=10)
            if done:
                log.info("corpus versions settled at start-up: %s", done)
        except Exception:  # noqa: BLE001 - settling is retried by the watcher; never block start-up
            log.exception("could not settle corpus versions at start-up")
        worker = Maintenance(CorpusWatcher(live, publisher), store, settings.watch_seconds)
        worker.start()
    except StoreError as exc:
        log.error("store unavailable, running without it: %s", exc)
        error = exc.user_text
    if not settings.admins:
        log.info("ROPBOT_ADMINS is empty: admin commands are off")
    deps = AdminDeps(settings, live, store, publisher, error, worker)

    def register(app: Application) -> None:
        register_admin(app, deps)

    return store, register


def register_admin(app: Application, deps: AdminDeps) -> None:
    """Add the admin handlers (group 0, before the channel's catch-alls)."""
    app.bot_data[ADMIN_KEY] = deps
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    handlers: dict[str, Handler] = {
        "reload": cmd_reload, "publiser": cmd_publish, "versjoner": cmd_versions, "tilbake": cmd_rollback,
        "stats": cmd_stats, "ubesvart": cmd_unanswered, "forkast": cmd_discard, "admin": cmd_admin,
    }
    for name, callback in handlers.items():
        app.add_handler(CommandHandler(name, admin_only(callback, h.unknown_command), filters=private))
    app.add_handler(MessageHandler(private & filters.Document.ALL, admin_only(on_document, h.on_non_text)))
    app.add_handler(CallbackQueryHandler(admin_only(on_button, h.on_callback), pattern=r"^adm\|"))


def admin_deps(context: Context) -> AdminDeps:
    deps: AdminDeps = context.admin
    return deps


def is_admin(update: Update, context: Context) -> bool:
    """An admin, in a private chat: an admin's button pressed in a group would post the result there."""
    user, chat = update.effective_user, update.effective_chat
    return (user is not None and user.id in admin_deps(context).settings.admins
            and chat is not None and chat.type == ChatType.PRIVATE)


def admin_only(handler: Handler,
               otherwise: Handler):
    """Run `handler` for admins; everyone else gets the channel's own reply for the unknown."""

    async def guarded(update: Update, context: Context) -> None:
        if not is_admin(update, context):
            log.info("admin action refused for a non-admin (%s)", handler.__name__)
            await otherwise(update, context)
            return
        await handler(update, context)

    guarded.__name__ = f"admin_{handler.__name__}"
    return guarded


# --- sending --------------------------------------------------------------------------------


async def say(update: Update, context: Context, text: str,
              keyboard: InlineKeyboardMarkup | None = None) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    parts = split_text(text, MAX_MESSAGE, escaped=False) or ["–"]
    for i, part in enumerate(parts):
        await context.bot.send_message(chat.id, part, link_preview_options=NO_PREVIEW,
                                       reply_markup=keyboard if i == len(parts) - 1 else None)


async def _work(update: Update, context: Context, func: Callable[[], str | tuple[str, Any]],
                action: str) -> bool:
    """Run blocking work off the event loop and reply with its text; errors become plain replies.
    True when the work succeeded and its text went out."""
    deps = admin_deps(context)
    if deps.store is None or deps.publisher is None:
        await say(update, context, "Databasen er ikke tilgjengelig: " + (deps.error or "ukjent feil"))
        return False
    try:
        result = await asyncio.to_thread(func)
    except PublishError as exc:
        log.info("%s refused: %s", action, exc)
        await say(update, context, exc.user_text)
        return False
    except StoreError as exc:
        await say(update, context, exc.user_text)
        return False
    except OSError as exc:
        log.exception("%s failed", action)
        await say(update, context, f"Kunne ikke lese eller skrive filene ({exc.strerror or exc}).")
        return False
    text, keyboard = result if isinstance(result, tuple) else (result, None)
    await say(update, context, text, keyboard)
    return True


def _actor(update: Update) -> int:
    user = update.effective_user
    return user.id if user is not None else 0  # admin_only lets no update without a user through


def _audit(deps: AdminDeps, admin: int, action: str, detail: Any = None) -> None:
    try:
        deps.db.audit(admin, action, detail)
    except StoreError as exc:
        log.warning("audit of %s failed: %s", action, exc)


def _publish_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Publiser nå", callback_data=PUBLISH_BUTTON),
                                  InlineKeyboardButton("Forkast", callback_data=DISCARD_BUTTON)]])


# --- commands -------------------------------------------------------------------------------


async def cmd_admin(update: Update, context: Context) -> None:
    deps = admin_deps(context)
    extra = f"\n\nMerk: databasen er ikke tilgjengelig: {deps.error}" if deps.error else ""
    await say(update, context, HELP + extra)


async def cmd_reload(update: Update, context: Context) -> None:
    deps = admin_deps(context)
    admin = _actor(update)

    def run() -> str:
        done = deps.pub.reload_from_disk(force=True)
        result, before = done.result, done.before
        if result is None:
            return "Jeg fikk ikke lest corpus/ akkurat nå, så jeg bruker fortsatt versjonen som var lastet."
        _audit(deps, admin, "reload", {"ok": result.ok, "errors": len(result.errors)})
        if not result.ok:
            return (f"corpus/ har {len(result.errors)} feil, så jeg bruker fortsatt versjonen som var lastet "
                    f"({before[:12]}):\n" + format_problems(result.errors))
        figures = coverage(result)
        same = "uendret, " if figures["checksum"] == before else ""
        return (f"Korpuset er lastet på nytt ({same}{figures['checksum'][:12]}): "
                f"{figures['recommendations_written']} av {figures['recommendations_total']} anbefalinger skrevet, "
                f"{figures['roles']} roller, {figures['topics']} temaer, {figures['glossary_terms']} ordlisteord."
                + (f"\n{len(result.warnings)} advarsler, for eksempel:\n" + format_problems(result.warnings, 5)
                   if result.warnings else ""))

    await _work(update, context, run, "reload")


async def on_document(update: Update, context: Context) -> None:
    """A YAML file from an admin: validate it with the live corpus, stage it, show the diff."""
    deps = admin_deps(context)
    message = update.effective_message
    document = message.document if message else None
    if document is None:
        return
    try:
        name = normalise_name(document.file_name or "")
    except PublishError as exc:
        await say(update, context, exc.user_text + "\n\n" + HELP)
        return
    if document.file_size and document.file_size > MAX_FILE_BYTES:
        await say(update, context, f"Filen er for stor (over {MAX_FILE_BYTES // 1_000_000} MB).")
        return
    try:
        telegram_file = await context.bot.get_file(document.file_id)
        content = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("could not download %s: %s", name, exc)
        await say(update, context, "Jeg fikk ikke lastet ned filen fra Telegram. Prøv å sende den på nytt.")
        return
    admin = _actor(update)

    def run() -> str | tuple[str, Any]:
        result = deps.pub.stage(admin, name, content)
        if not result.ok:
            return (f"{name} er ikke gyldig sammen med korpuset, så den er ikke klargjort "
                    f"({len(result.errors)} feil):\n" + format_problems(result.errors))
        text = [f"{name} er sjekket og klargjort.", result.diff.summary()]
        if len(result.staged) > 1:
            text.append("Klargjort nå: " + ", ".join(result.staged))
        if result.warnings:
            text.append(f"{len(result.warnings)} advarsler, for eksempel:\n" + format_problems(result.warnings, 5))
        text.append("Publiser med /publiser (eller knappen), forkast med /forkast.")
        return "\n\n".join(text), _publish_keyboard()

    await _work(update, context, run, "stage")


def _publish_text(result: Any) -> str:
    if result.unchanged:
        return "Ingen endring: det klargjorte er likt korpuset som brukes nå. Det klargjorte er fjernet."
    text = f"Publisert som versjon {result.version_id} ({result.checksum[:12]}).\n{result.diff.summary()}"
    if result.reload_errors:
        text += "\nMerk: boten kunne ikke laste den nye versjonen:\n" + format_problems(result.reload_errors)
    return text + "\nAngre med /tilbake N (se /versjoner)."


async def cmd_publish(update: Update, context: Context) -> None:
    deps = admin_deps(context)
    admin = _actor(update)
    args = list(context.args or ())
    confirm = bool(args) and args[0].lower() in ("bekreft", "confirm")
    note = " ".join(args[1:] if confirm else args).strip()[:200] or None
    await _work(update, context, lambda: _publish_text(deps.pub.publish_staged(admin, note, confirm)),
                "publish")


async def cmd_discard(update: Update, context: Context) -> None:
    deps = admin_deps(context)
    admin = _actor(update)

    def run() -> str:
        count = deps.pub.discard(admin)
        return f"Forkastet {count} klargjorte filer." if count else "Det var ingenting klargjort."

    await _work(update, context, run, "discard")


async def cmd_versions(update: Update, context: Context) -> None:
    deps = admin_deps(context)
    admin = _actor(update)

    def run() -> str:
        deps.pub.reconcile(wait=5)
        _audit(deps, admin, "versions")
        return format_versions(deps.db.versions(limit=30), deps.live.current.corpus.checksum)

    await _work(update, context, run, "versions")


async def cmd_rollback(update: Update, context: Context) -> None:
    deps = admin_deps(context)
    args = context.args or []
    # ASCII digits that fit SQLite's 64-bit integers («²» is a digit to isdigit(), int() rejects it)
    if len(args) != 1 or not (args[0].isascii() and args[0].isdigit()) or len(args[0]) > 18:
        await say(update, context, "Bruk: /tilbake N, der N er et versjonsnummer fra /versjoner.")
        return
    admin = _actor(update)
    number = int(args[0])

    def run() -> str:
        result = deps.pub.rollback(number, admin)
        if result.unchanged:
            return f"Versjon {number} er allerede den som brukes. Ingenting er endret."
        return f"Rullet tilbake til versjon {number}. " + _publish_text(result)

    await _work(update, context, run, "rollback")


async def cmd_stats(update: Update, context: Context) -> None:
    deps = admin_deps(context)
    admin = _actor(update)

    def run() -> str:
        corpus = deps.live.current.corpus
        reports = [deps.db.stats(7), deps.db.stats(30)]
        _audit(deps, admin, "stats")
        return "Statistikk\n\n" + format_stats(reports, lambda i: getattr(corpus.get(i), "title", None))

    if await _work(update, context, run, "stats"):
        await send_charts(update, context, deps.db)


CHARTS_CAPTION = "Siste 30 dager: spørsmål per dag, og de mest brukte oppføringene med tilbakemeldinger."
CHARTS_FAILED = "Grafene kunne ikke lages denne gangen. Tallene over gjelder likevel."
CHARTS_NOT_SENT = "Grafene kunne ikke sendes denne gangen. Tallene over gjelder likevel."


async def send_charts(update: Update, context: Context, store: Store) -> None:
    """The /stats charts as one album after the text. Drawn in a worker thread (about a third of
    a second of CPU); a failure costs the admin the pictures, never the figures already sent."""
    chat = update.effective_chat
    if chat is None:
        return

    def render() -> dict[str, bytes]:
        from .. import charts  # matplotlib loads on the first /stats, not at every bot start

        return charts.render(store)

    try:
        images = await asyncio.to_thread(render)
    except Exception:  # noqa: BLE001 - any drawing or store failure: the text is out, say so briefly
        log.exception("stats charts could not be drawn")
        await say(update, context, CHARTS_FAILED)
        return
    media = [InputMediaPhoto(data, filename=name, caption=CHARTS_CAPTION if i == 0 else None)
             for i, (name, data) in enumerate(images.items())]
    try:
        await context.bot.send_media_group(chat.id, media)
    except TelegramError as exc:
        log.warning("stats charts not sent: %s", exc)
        await say(update, context, CHARTS_NOT_SENT)


async def cmd_unanswered(update: Update, context: Context) -> None:
    deps = admin_deps(context)
    args = context.args or []
    given = args[0] if args and args[0].isascii() and args[0].isdigit() and len(args[0]) <= 4 else ""
    days = int(given) if given and 0 < int(given) <= 3650 else 30
    admin = _actor(update)

    def run() -> str:
        knowledge = deps.live.current
        rows = deps.db.unanswered_rows(days=days)
        groups = group_unanswered(rows, lambda text: knowledge.matcher.rank(text, limit=1),
                                  lambda i: getattr(knowledge.corpus.get(i), "title", None),
                                  stopwords=knowledge.lexicon.question_words)
        _audit(deps, admin, "unanswered", {"days": days})
        return format_unanswered(groups, len(rows), days)

    await _work(update, context, run, "unanswered")


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    try:
        await query.edit_message_reply_markup(reply_markup=None)  # a staged set is published once
    except TelegramError:
        pass
    if query.data == PUBLISH_BUTTON:
        await cmd_publish(update, context)
    elif query.data == DISCARD_BUTTON:
        await cmd_discard(update, context)
    else:
        await say(update, context, "Denne knappen er utgått.")

