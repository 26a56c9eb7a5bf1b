"""/stats end to end: an admin asks questions, then gets the figures and the two charts as one album.

The admin's bot (conftest `admin_bot`) runs with the SQLite store and the admin handlers. The
album goes through the sendMediaGroup route emulator.js adds to the emulator; the test fetches
each photo back with getFile and decodes it, so the check is on the bytes the bot uploaded.
"""
from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable

import httpx
from PIL import Image
from tg_emulator import BotMessage, BotThread, Emulator, UserClient

from ropbot import charts
from ropbot.telegram import admin, texts

QUESTIONS = (
    "hvem følger opp den somatiske helsa til pasienter med rus og psykiske lidelser?",
    "hva er et ACT-team?",
    "hvem følger opp den somatiske helsa til pasienter med rus og psykiske lidelser?",
)
# Drawing waits for matplotlib's first import in the bot (a few seconds on a slow machine).
CHARTS_TIMEOUT = 30.0


def admin_deps(bot: BotThread) -> admin.AdminDeps:
    deps: admin.AdminDeps = bot.app.bot_data[admin.ADMIN_KEY]
    return deps


def ask(user: UserClient, question: str) -> None:
    user.send(question)
    user.replies(1)
    user.quiet(0.2)  # an answer in several messages: let the rest arrive before the next question


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGBA").tobytes()


def test_stats_sends_the_figures_then_both_charts_as_one_album(
        admin_user: UserClient, admin_bot: BotThread, png_size: Callable[[bytes], tuple[int, int]]) -> None:
    before = admin_deps(admin_bot).db.stats(7)["questions"]
    for question in QUESTIONS:
        ask(admin_user, question)

    admin_user.command("/stats")
    sent = admin_user.replies(3, timeout=CHARTS_TIMEOUT) + admin_user.quiet(0.5)
    assert [m.photo is not None for m in sent] == [False, True, True], [m.text[:60] or m.caption for m in sent]
    figures, *album = sent

    # The figures come first and count the questions just asked.
    assert figures.text.startswith("Statistikk\n\nSiste 7 dager\n")
    assert re.search(rf"^Spørsmål: {before + len(QUESTIONS)} \(", figures.text, re.MULTILINE), figures.text
    assert figures.message_id < album[0].message_id < album[1].message_id

    # One album (one media group), captioned once, the daily chart first.
    assert album[0].media_group_id is not None
    assert album[0].media_group_id == album[1].media_group_id
    assert [m.caption for m in album] == [admin.CHARTS_CAPTION, None]
    uploads = [m.upload for m in album]
    assert all(uploads), "emulator.js records every photo it stores"
    assert [u["filename"] for u in uploads if u] == [charts.DAILY_FILE, charts.TOP_FILE]

    # Each photo, fetched back and decoded, is the PNG the bot drew, at the charts' fixed size.
    assert (charts.WIDTH_PX, charts.HEIGHT_PX) == (1200, 600)
    images = []
    for message in album:
        photo, upload = message.photo, message.upload
        assert photo is not None and upload is not None
        data = admin_user.download(photo["file_id"])
        assert len(data) == upload["bytes"] == photo["file_size"]
        assert hashlib.sha256(data).hexdigest() == upload["sha256"]
        assert png_size(data) == (1200, 600)
        assert (upload["width"], upload["height"]) == (photo["width"], photo["height"]) == (1200, 600)
        images.append(data)
    assert album[0].upload and album[1].upload and album[0].upload["sha256"] != album[1].upload["sha256"]
    assert pixels(images[0]) != pixels(images[1]), "the two charts are different pictures"


def test_stats_from_a_non_admin_gets_no_figures_and_no_album(admin_bot_user: Callable[..., UserClient]) -> None:
    stranger = admin_bot_user()
    stranger.command("/stats")
    sent = stranger.replies(1) + stranger.quiet(1.0)
    assert [m.text for m in sent] == [texts.UNKNOWN_COMMAND]
    assert not [m for m in sent if m.photo is not None]


def test_the_emulator_refuses_an_album_telegram_would_refuse(emulator: Emulator, http: httpx.Client) -> None:
    """What emulator.js's sendMediaGroup refuses is not stored, so a broken album cannot pass."""
    token = "999:ropbot-e2e-probe"  # no bot polls this token
    with Image.new("RGB", (40, 20), "white") as image:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
    png = buffer.getvalue()
    album = '[{"type":"photo","media":"attach://a"},{"type":"photo","media":"attach://b"}]'
    cases = {
        "not a PNG": {"a": ("a.png", png), "b": ("b.png", b"GIF89a not a png")},
        "a part missing": {"a": ("a.png", png)},
    }
    for case, files in cases.items():
        response = http.post(f"{emulator.url}/bot{token}/sendMediaGroup", data={"chat_id": "5", "media": album},
                             files=files)
        assert response.status_code == 400, case
        assert response.json()["ok"] is False and response.json()["description"].startswith("Bad Request: "), case
    response = http.post(f"{emulator.url}/bot{token}/sendMediaGroup", data={"chat_id": "5", "media": album},
                         files={"a": ("a.png", png), "b": ("b.png", png)})
    assert response.status_code == 200
    stored = [BotMessage.of(m) for m in http.post(f"{emulator.url}/getUpdatesHistory", json={"token": token}).json()["result"]]
    assert [(m.upload or {}).get("width") for m in stored] == [40, 40]  # only the good album


def test_the_emulator_sends_a_single_photo(emulator: Emulator, http: httpx.Client) -> None:
    """sendPhoto (ropbot does not use it yet): an upload, then the same photo again by its file_id."""
    token = "998:ropbot-e2e-probe"
    with Image.new("RGB", (30, 10), "white") as image:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
    response = http.post(f"{emulator.url}/bot{token}/sendPhoto", data={"chat_id": "6", "caption": "én"},
                         files={"photo": ("p.png", buffer.getvalue())})
    assert response.status_code == 200
    first = response.json()["result"]
    assert first["caption"] == "én" and first["chat"]["id"] == 6 and first["date"] < 10_000_000_000
    assert (first["photo"][0]["width"], first["photo"][0]["height"]) == (30, 10)
    again = http.post(f"{emulator.url}/bot{token}/sendPhoto",
                      json={"chat_id": 6, "photo": first["photo"][0]["file_id"]}).json()["result"]
    assert again["photo"] == first["photo"] and again["message_id"] > first["message_id"]
