"""Thin async handlers: read the update, call a plain function in `views`, send the screen.

Why thin: everything worth testing (what to answer, which buttons) lives in
plain functions; handlers only know Telegram's objects, the per-chat audience
in `context.chat_data`, and how to send, edit or split messages.
"""
from __future__ import annotations

import functools
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable
from typing import Any

from telegram import Message, MessageEntity, ReplyParameters, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import filters

from ..crisis import ACUTE
from ..intents import Audience
from ..privacy import error_where
from . import texts, views
from .context import AUDIENCE_KEY, Context, Handler
from .render import Screen, esc

log = logging.getLogger(__name__)

async def restore_audience(update: object, context: Context) -> None:
    """Runs before every handler: a private chat with no audience yet (a new chat, or the
    bot has restarted and lost its chat data) gets the one its user chose last time."""
    data = context.chat_data
    if data is None or AUDIENCE_KEY in data or not isinstance(update, Update):
        return
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        return
    stored = context.deps.recorder.user_audience(user.id)
    data[AUDIENCE_KEY] = stored if stored in (Audience.STAFF, Audience.RELATIVE) else Audience.STAFF




def user_facing(func: Handler) -> Handler:
    """After a handler has answered a user, tell the recorder the user was active.

    Done here rather than in a catch-all handler so that people chatting in a
    group without addressing ropbot are never recorded.
    """

    @functools.wraps(func)
    async def wrapper(update: Update, context: Context) -> None:
        await func(update, context)
        user = update.effective_user
        if user is not None and not context.skip_touch:
            context.deps.recorder.touch_user(user.id, context.audience)

    return wrapper


async def send_screen(context: Context, chat_id: int, screen: Screen,
                      reply_to: Message | None = None) -> Message | None:
    """Send each chunk; the keyboard goes under the last one so buttons follow the text."""
    last: Message | None = None
    for i, chunk in enumerate(screen.chunks):
        final = i == len(screen.chunks) - 1
        last = await context.bot.send_message(
            chat_id, chunk, parse_mode=ParseMode.HTML, link_preview_options=views.NO_PREVIEW,
            reply_markup=screen.keyboard if final else None,
            reply_parameters=(ReplyParameters(reply_to.message_id, allow_sending_without_reply=True)
                              if reply_to is not None and i == 0 else None))
    return last


async def reply(update: Update, context: Context, screen: Screen | None) -> None:
    """Send a screen; None is a reply already sent (a crisis card that went out on its own)."""
    chat = update.effective_chat
    if chat is None or screen is None:
        return
    in_group = chat.type != ChatType.PRIVATE
    await send_screen(context, chat.id, screen, update.effective_message if in_group else None)


def _user_id(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


# --- commands ------------------------------------------------------------------------------


@user_facing
async def cmd_start(update: Update, context: Context) -> None:
    d = context.deps
    if context.args:
        screen, audience = views.deep_link(d.engine, context.args[0], context.audience)
        context.audience = audience
    else:
        screen = views.start(d.engine, context.audience)
    await reply(update, context, screen)


@user_facing
async def cmd_help(update: Update, context: Context) -> None:
    await reply(update, context, views.help_screen(context.deps.engine, context.bot.username))


@user_facing
async def cmd_number(update: Update, context: Context) -> None:
    d = context.deps
    screen, audience = views.number(d.engine, d.recorder, _user_id(update), context.audience, context.args or [])
    context.audience = audience
    await reply(update, context, screen)


@user_facing
async def cmd_chapters(update: Update, context: Context) -> None:
    screen = views.chapters(context.deps.engine, context.audience)
    await reply(update, context, _with_web_page(update, context, screen))


@user_facing
async def cmd_roles(update: Update, context: Context) -> None:
    await reply(update, context, _with_web_page(update, context, views.roles(context.deps.engine)))


def _with_web_page(update: Update, context: Context, screen: Screen) -> Screen:
    chat = update.effective_chat
    private = chat is not None and chat.type == ChatType.PRIVATE
    return views.with_web_page(screen, context.deps.settings.web_url, private, context.audience)


@user_facing
async def cmd_relative(update: Update, context: Context) -> None:
    context.audience = Audience.RELATIVE
    await reply(update, context, views.audience_switch(context.deps.engine, Audience.RELATIVE))


@user_facing
async def cmd_staff(update: Update, context: Context) -> None:
    context.audience = Audience.STAFF
    await reply(update, context, views.audience_switch(context.deps.engine, Audience.STAFF))


@user_facing
async def cmd_glossary(update: Update, context: Context) -> None:
    d = context.deps
    screen, audience = views.glossary(d.engine, d.recorder, _user_id(update), context.audience,
                                      context.args or [])
    context.audience = audience
    await reply(update, context, screen)


@user_facing
async def cmd_about(update: Update, context: Context) -> None:
    d = context.deps
    await reply(update, context, views.about(d.engine, d.settings))


async def cmd_forget(update: Update, context: Context) -> None:
    """Ask before erasing; not `user_facing`, so asking does not itself record the user."""
    await reply(update, context, views.forget_ask())


@user_facing
async def unknown_command(update: Update, context: Context) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    alias = views.command_alias(message.text)
    if alias is not None and (chat.type == ChatType.PRIVATE or _addressed_to_me(message, context.bot.username)
                              or "@" not in (message.text or "").split()[0]):
        name, context.args = alias
        target = cmd_relative if name == "parorende" else cmd_number
        await target.__wrapped__(update, context)  # type: ignore[attr-defined]  # this wrapper records the visit
        return
    if chat.type != ChatType.PRIVATE and not _addressed_to_me(message, context.bot.username):
        context.skip_touch = True  # a command for another bot in a group
        return
    await reply(update, context, Screen((esc(texts.UNKNOWN_COMMAND),)))


def _addressed_to_me(message: Message, username: str | None) -> bool:
    command = (message.text or "").split(maxsplit=1)[0] if message.text else ""
    _, _, target = command.partition("@")
    return bool(target and username and target.lower() == username.lower())


# --- messages ------------------------------------------------------------------------------


@user_facing
async def on_text(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = message.text
    if message.chat.type != ChatType.PRIVATE:
        text = strip_mention(message, context.bot.username)
    d = context.deps
    if flooding(context):
        # A flood gets one kind word per window and no engine work, but never loses a crisis card.
        safety = d.engine.knowledge.crisis.assess(text)
        if safety.level == ACUTE:
            await reply(update, context, views.crisis_card(d.engine.handle(text, context.audience)))
        elif warn_once(context):
            await reply(update, context, Screen((esc(texts.SLOW_DOWN),)))
        context.skip_touch = True
        return
    audience = context.audience
    asked, latency_ms = views.ask(d.engine, audience, text)
    acute = asked.urgency == ACUTE
    if acute:  # the card goes out first, on its own and with no buttons, before the store is touched
        await reply(update, context, views.crisis_card(asked))
    result = views.recorded(d.recorder, _user_id(update), audience, text, asked, latency_ms, card_sent=acute)
    context.audience = result.reply.audience
    if result.query_id is not None and result.reply.audience == audience:
        context.skip_touch = True  # recording the question already noted the user as active
    if result.screen is not None:
        await reply(update, context, result.screen)


# At most this many typed messages per user in this many seconds; more is a flood (a script, or
# a stuck key), and answering it would slow every other chat on the same event loop.
RATE_MAX = 20
RATE_WINDOW = 10.0


def flooding(context: Context) -> bool:
    data = context.user_data
    if data is None:
        return False
    times: deque[float] = data.setdefault("recent", deque(maxlen=RATE_MAX))
    now = time.monotonic()
    if len(times) == RATE_MAX and now - times[0] < RATE_WINDOW:
        return True
    times.append(now)
    return False


def warn_once(context: Context) -> bool:
    """True once per window, so a flood gets one notice, not one per message."""
    data = context.user_data
    if data is None:
        return False
    now = time.monotonic()
    if now - data.get("warned", -RATE_WINDOW) < RATE_WINDOW:
        return False
    data["warned"] = now
    return True


def strip_mention(message: Message, username: str | None) -> str:
    """The question without '@ropbot' in it."""
    text = message.text or ""
    if username:
        text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
    return " ".join(text.split())


@user_facing
async def on_non_text(update: Update, context: Context) -> None:
    await reply(update, context, Screen((esc(texts.NON_TEXT),)))


class MentionsMe(filters.MessageFilter):
    """Group messages that mention the bot by @username (or a text mention of its user)."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        username = (bot.username or "").lower()
        for entity in message.entities or ():
            if entity.type == MessageEntity.MENTION and username:
                try:
                    mention = message.parse_entity(entity)
                except (UnicodeError, ValueError):  # a lone surrogate cannot be re-encoded
                    continue
                if mention.lstrip("@").lower() == username:
                    return True
            elif entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot.id:
                return True
        return bool(username) and f"@{username}" in (message.text or "").lower()


# --- buttons -------------------------------------------------------------------------------


@user_facing
async def on_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    message = query.message if isinstance(query.message, Message) else None
    markup = message.reply_markup if message is not None else None
    d = context.deps
    data = query.data if isinstance(query.data, str) else None
    outcome = views.press(d.engine, d.recorder, data, user_id=query.from_user.id,
                          audience=context.audience, markup=markup)
    await query.answer(outcome.toast, show_alert=outcome.alert)
    if outcome.forgotten:
        context.skip_touch = True
        if context.chat_data is not None:
            context.chat_data.clear()
        if context.user_data is not None:
            context.user_data.clear()
    elif outcome.audience:
        context.audience = outcome.audience
    await carry_out(context, query.from_user.id, message, outcome)


async def carry_out(context: Context, user_id: int, message: Message | None,
                    outcome: views.Outcome) -> None:
    """Edit the pressed message when that makes sense and is possible; otherwise send a new one."""
    if outcome.mode == views.MARKUP and message is not None:
        await _quietly(message.edit_reply_markup(reply_markup=outcome.markup))
        return
    screen = outcome.screen
    if screen is None:
        return
    if outcome.mode == views.EDIT and message is not None and len(screen.chunks) == 1:
        try:
            await message.edit_text(screen.chunks[0], parse_mode=ParseMode.HTML,
                                    link_preview_options=views.NO_PREVIEW, reply_markup=screen.keyboard)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            log.info("could not edit message %s (%s); sending a new one", message.message_id, exc)
    chat_id = message.chat.id if message is not None else user_id
    await send_screen(context, chat_id, screen)


async def _quietly(call: Awaitable[Any]) -> None:
    try:
        await call
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            log.info("edit refused: %s", exc)


# --- inline mode ---------------------------------------------------------------------------


async def on_inline(update: Update, context: Context) -> None:
    query = update.inline_query
    if query is None:
        return
    results, button = views.inline_results(context.deps.engine, query.query)
    await query.answer(results, cache_time=300, is_personal=False, button=button)


# --- errors --------------------------------------------------------------------------------


async def on_error(update: object, context: Context) -> None:
    """Log what failed and where (no user text, no ids), tell the user briefly, keep running."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s: %s", update_id, error_where(context.error))
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(texts.ERROR, show_alert=True)
            return
        except TelegramError:
            pass  # already answered by the handler: fall through to a message
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await context.bot.send_message(chat.id, texts.ERROR)
    except TelegramError as exc:
        log.warning("could not tell the user about the error: %s", type(exc).__name__)
