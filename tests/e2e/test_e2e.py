"""End to end over HTTP: a user talks to ropbot through the telegram-test-api Bot API emulator.

Each test gets its own user (its own private chat), so tests share one
emulator and one running bot and stay independent. Waits are bounded.
"""
from __future__ import annotations

import re

from probes import did_you_mean_question
from tg_emulator import UserClient

from ropbot.engine import Engine
from ropbot.telegram import texts

R69_QUESTION = "hvem følger opp den somatiske helsa til pasienter med rus og psykiske lidelser?"


def test_start(user: UserClient) -> None:
    user.command("/start")
    reply = user.reply()
    assert "Jeg er ropbot" in reply.text
    assert "informasjon, ikke behandling" in reply.text
    assert "Helsedirektoratet" in reply.text
    assert "Bla i kapitlene" in reply.labels()


def test_start_deep_link(user: UserClient) -> None:
    user.command("/start R69")
    assert user.reply().text.startswith("<b>Anbefaling 69")


def test_free_text_gets_recommendation_69_with_source_link(user: UserClient, e2e_engine: Engine) -> None:
    user.send(R69_QUESTION)
    reply = user.reply()
    assert reply.text.startswith("<b>Anbefaling 69")
    source = e2e_engine.knowledge.corpus.get("R69").source
    assert f'<a href="{source}">' in reply.text
    assert reply.raw["message"]["parse_mode"] == "HTML"
    assert {"👍", "👎", "Hele 8.3.2"} <= set(reply.labels())


def test_did_you_mean_button(user: UserClient, e2e_engine: Engine) -> None:
    question = did_you_mean_question(e2e_engine)
    user.send(question)
    choices = user.reply()
    assert "Kanskje et av disse" in choices.text
    first = next(b for b in choices.buttons() if b["callback_data"].startswith("1s|"))
    user.press(choices, first["callback_data"])
    shown = user.reply()
    entry_id = first["callback_data"].split("|")[1]
    title = e2e_engine.show(entry_id, "staff").parts[0].text
    assert shown.text.startswith(f"<b>{title.split(':')[0]}")


def test_browse_chapters_by_buttons(user: UserClient) -> None:
    user.command("/kapitler")
    menu = user.reply()
    assert "Kapitler med anbefalinger" in menu.text
    user.press(menu, menu.data("8 "))
    menu = user.wait_edit(menu, lambda m: m.text.startswith("<b>Kapittel 8"))
    user.press(menu, menu.data("8.3.2"))
    menu = user.wait_edit(menu, lambda m: m.text.startswith("<b>8.3.2"))
    user.press(menu, menu.data("69 "))
    assert user.reply().text.startswith("<b>Anbefaling 69")
    user.press(menu, menu.data("« Kapittel 8"))
    menu = user.wait_edit(menu, lambda m: m.text.startswith("<b>Kapittel 8"))
    user.press(menu, menu.data("« Alle kapitler"))
    user.wait_edit(menu, lambda m: "Kapitler med anbefalinger" in m.text)


def test_switch_to_relatives_mode(user: UserClient) -> None:
    user.command("/parorende")
    assert "enklere språk" in user.reply().text
    user.send(R69_QUESTION)
    plain = user.reply()
    assert plain.text.startswith("<b>Anbefaling 69")
    assert "Fagtekst" in plain.labels()          # shown in plain language, with a switch back
    user.press(plain, plain.data("Fagtekst"))
    pro = user.wait_edit(plain, lambda m: "Enklere språk" in m.labels())
    assert "👍" in pro.labels()
    user.command("/fagperson")
    assert "fagteksten" in user.reply().text


def test_crisis_message_gives_113_first(user: UserClient) -> None:
    user.send("jeg har tatt en overdose og puster dårlig")
    reply = user.reply()
    visible = re.sub(r"<[^>]+>", "", reply.text)
    numbers = [m.group(0) for m in re.finditer(r"\b\d{3}(?: \d{2,3})*\b", visible)]
    assert numbers[0] == "113"
    assert "👍" not in reply.labels()


def test_sticker_gets_a_hint(user: UserClient) -> None:
    user.send_fields(sticker={"file_id": "CAAC", "file_unique_id": "AgAD", "width": 512, "height": 512,
                              "is_animated": False, "is_video": False, "type": "regular"})
    assert user.reply().text == texts.NON_TEXT


def test_5000_character_message(user: UserClient) -> None:
    user.send(("hvem følger opp den somatiske helsa? " * 140)[:5000])
    reply = user.reply()
    assert len(reply.text) <= 4096
    user.send("anbefaling 69")  # the bot is still fine
    assert user.reply().text.startswith("<b>Anbefaling 69")


def test_anbefaling_999(user: UserClient) -> None:
    user.command("/anbefaling 999")
    assert "Anbefaling 999 finnes ikke" in user.reply().text


def test_feedback_buttons(user: UserClient, recorder) -> None:
    user.send(R69_QUESTION)
    answer = user.reply()
    query_id = int(answer.data("👍").split("|")[1])
    user.press(answer, answer.data("👍"))
    after = user.wait_edit(answer, lambda m: "👍" not in m.labels())
    assert "Hele 8.3.2" in after.labels()
    assert (query_id, 1) in recorder.feedback


def test_old_button_expires_kindly(user: UserClient) -> None:
    user.send(R69_QUESTION)
    answer = user.reply()
    user.press(answer, "0gammel|R69")
    user.press(answer, answer.data("Hele 8.3.2"))   # the bot is still answering buttons
    assert user.reply().text.startswith("<b>8.3.2")


def test_groups_need_a_mention(new_user) -> None:
    member = new_user(chat_type="group")
    member.chat_id = -member.user_id
    member.send(R69_QUESTION)                     # not addressed to the bot: no answer
    member.send(f"@TestNameBot {R69_QUESTION}")   # a mention: one answer
    replies = member.replies(1) + member.quiet(0.3)
    assert len(replies) == 1
    assert replies[0].text.startswith("<b>Anbefaling 69")
