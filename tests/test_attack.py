"""The attack suite (issue 13): hostile and random input, personal data in every form, forged
votes. Each part counts what went wrong and asserts zero; generated with fixed seeds, so a
failure can be replayed."""
from __future__ import annotations

import logging
import random
import re
import time

import pytest

from ropbot import reply as R
from ropbot.engine import Engine
from ropbot.store import Store
from ropbot.telegram import texts
from ropbot.telegram.testing import StartBot, check_message

SEED = 20261128
HOSTILE = [
    "", " ", "\n\n\n", "\x00\x01\x02", "\u202e\u202d", "\u200b" * 50, "🔪" * 300, "😀👍🏽👨‍👩‍👧", "\ud800", "\udfff x",
    "'; DROP TABLE queries; --", "\" OR 1=1 --", "%s %d %n {0} {x!r}", "(a+)+$", "[[[[[[", "((((((((((", ".*" * 50,
    "<script>alert(1)</script>", "<b><i>", "&amp;&lt;", "${jndi:ldap://x}", "../../../../etc/passwd",
    "anbefaling ²", "anbefaling ①", "anbefaling 99999999999999999999999", "anbefaling -1", "#", "nr", "8.3.2.1.1.1",
    "a" * 4096, "ø" * 4096, "rusbehandling" * 300, "1 " * 2000, "9" * 4000, "hei " * 1000,
]
ALPHABET = ("abcdefghijklmnopqrstuvwxyzæøå ABCÆØÅ 0123456789 .,;:!?-/()[]{}*+\\|^$@#%&'\"<>~`_= "
            "éüöäç ١٢٣ ０１２ ＠ ¹²³ ①② \u2009\u202f\u00a0 \t\n 🔪😭👍 \u0301\u200d")


def messages(n: int, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    out = list(HOSTILE)
    words = "jeg vil ikke leve overdose kniv selvmord fastlege NAV DPS bolig anbefaling kartlegging rus psykisk".split()
    while len(out) < n:
        kind = rng.random()
        if kind < 0.5:
            size = rng.choice((1, 5, 20, 80, 300, 1000, 4096))
            out.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, size))))
        elif kind < 0.8:
            out.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 40))))
        else:
            out.append(rng.choice(HOSTILE) + " " + " ".join(rng.choice(words) for _ in range(rng.randint(0, 8))))
    return out[:n]


def test_20000_hostile_and_random_messages_through_the_engine(engine: Engine, caplog):
    failures: list[tuple[str, str]] = []
    worst = 0.0
    with caplog.at_level(logging.WARNING, logger="ropbot"):
        for text in messages(20_000):
            started = time.perf_counter()
            try:
                out = engine.handle(text, "relative" if len(text) % 2 else "staff")
                assert out.parts and out.decision in set(R.Decision)
                out.text()
            except Exception as exc:  # noqa: BLE001 - the suite counts every kind of failure
                failures.append((text[:40], repr(exc)[:80]))
            worst = max(worst, time.perf_counter() - started)
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures and not logged, (failures[:5], [r.getMessage() for r in logged[:5]])
    assert worst < 2.0, worst


async def test_2000_messages_through_the_offline_handler_stack(live, start_bot: StartBot, caplog):
    texts_ = messages(2_000, seed=SEED + 1)
    with caplog.at_level(logging.WARNING):
        # Telegram's send limits are not what is attacked here; with them 2,000 replies take 70 s.
        bot = await start_bot(engine=Engine(live), rate_limiter=None)
        for i, text in enumerate(texts_):
            if not text.strip() or "\ud800" in text or "\udfff" in text:
                await bot.other(chat_id=100 + i)  # Telegram never delivers empty or unencodable text
            else:
                await bot.text(text[:4096], chat_id=100 + i)  # one user each: the flood limit stays out of it
    sent = bot.request.sent()
    assert len(sent) >= 2_000
    errors = [p for p in sent if p["text"] in (texts.ERROR, texts.SLOW_DOWN)]  # every message was answered
    for params in sent:
        check_message(params)
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors and not logged, [r.getMessage() for r in logged[:5]]


def personal_forms() -> list[tuple[str, str]]:
    """At least 100 ways to write a phone number, a national id or an e-mail address."""
    phones = ["91234567", "912 34 567", "91 23 45 67", "+47 912 34 567", "0047 91234567", "912.34.567", "912-34-567",
              "912/34/567", "912–34–567", "912\u200934\u2009567", "912\u202f34\u202f567", "9 1 2 3 4 5 6 7",
              "９１２３４５６７", "٩١٢٣٤٥٦٧", "912\u00a034\u00a0567"]
    ids = ["01019012345", "010190 12345", "010190-12345", "0 1 0 1 9 0 1 2 3 4 5", "０１０１９０１２３４５"]
    mails = ["kari@example.no", "kari.nordmann@nav.no", "kari(at)example.no", "kari [at] example [dot] no",
             "root@localhost", "kari＠example.no", "KARI@EXAMPLE.NO", "k_n+1@sub.example.com"]
    frames = ["ring meg på {}", "{}", "nummeret mitt er {}, ring i kveld", "fnr {} takk", "({})", "e-post: {}.",
              "sønnen min {} har psykose"]
    out = [(f.format(v), v) for v in (*phones, *ids, *mails) for f in frames]
    return out


def test_personal_data_is_masked_in_the_store_and_never_logged(tmp_path, caplog, make_reply):
    forms = personal_forms()
    assert len(forms) >= 100
    store = Store(tmp_path / "data" / "ropbot.db", salt="attack")
    with caplog.at_level(logging.DEBUG):
        for n, (text, _value) in enumerate(forms):
            store.record_query(1000 + n, "staff", text, make_reply("fallback"), 1)
    stored = [row[0] for row in store.db.execute("SELECT text FROM queries ORDER BY id")]
    leaks = [(text, kept) for (text, value), kept in zip(forms, stored, strict=False)
             if re.search(r"[0-9０-９٠-٩]{3}", kept.replace(" ", "")) or "kari" in kept.lower() or "root@" in kept]
    assert not leaks, leaks[:5]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert not [v for _, v in forms if v in logged]
    store.close()


def test_forged_votes_do_not_count(tmp_path, make_reply):
    store = Store(tmp_path / "data" / "ropbot.db", salt="attack")
    ids = [store.record_query(user, "staff", "spørsmål", make_reply("answer", "R69", 0.9), 1) for user in range(1, 23)]
    forged = sum(bool(store.record_feedback(qid, -1, user_id=999)) for qid in ids)
    assert forged == 0
    assert store.db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0
    store.close()


@pytest.mark.parametrize("data", ["zz|1", "", "\x00", "1f|1|x", "1f|abc|u", "1s|" + "x" * 100, "1f|1|u|extra",
                                  "1f|99999999999999999999999|d", "0f|1|u", "1\ud800|1"])
def test_malformed_callback_data_is_refused(data: str):
    """Buttons carry data any client can forge: what does not parse is refused, whatever it is."""
    from ropbot.telegram import callbacks as cb

    assert cb.decode(data) is None
