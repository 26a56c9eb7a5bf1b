"""Privacy by default: salted id hashes, masking of personal numbers, retention, the /om text.

Why this lives apart from the store: every rule here is a promise made to
users in `privacy_text()`, so the rules and the words that describe them sit
side by side and are tested together (tests/test_privacy.py).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import stat
import unicodedata
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

SALT_FILE = "ropbot.salt"
HASH_HEX = 32  # 128 bits of HMAC-SHA256: no collisions at any realistic user count

# --- salted hashing -------------------------------------------------------------------------


def salt_path(db_path: Path | str) -> Path:
    """The generated salt is kept next to the DB so a backup of the folder keeps hashes stable."""
    return Path(db_path).resolve().parent / SALT_FILE


def load_salt(db_path: Path | str, configured: str | None = None, salt_file: Path | str | None = None) -> str:
    """Return ROPBOT_SALT if set, else the salt file beside the DB (created with mode 0600).

    The salt must never change for a given DB: /glem finds a user's rows by
    re-hashing their id, so a new salt would orphan every existing row.
    """
    if configured:
        return configured
    path = Path(salt_file).resolve() if salt_file else salt_path(db_path)
    if path.parent == Path(db_path).resolve().parent:
        # A copy of the data folder then holds both the hashes and the key to test ids against them.
        log.warning("the salt %s sits beside the database; for deployment keep it elsewhere "
                    "(ROPBOT_SALT_FILE or ROPBOT_SALT), see README", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        _create_salt(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("salt file %s had mode %o; tightening to 0600", path, mode)
        os.chmod(path, 0o600)
    value = path.read_text(encoding="ascii").strip()
    if not value:
        raise RuntimeError(f"salt file {path} is empty; restore it from backup or set ROPBOT_SALT")
    return value


def _create_salt(path: Path) -> None:
    """Write the salt to a temporary file, fsync it, then link it into place: a full disk or a
    crash leaves either no salt file (the next start tries again) or a whole one, never an empty
    one. Linking never replaces a salt another process created meanwhile."""
    value = secrets.token_hex(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            data = value.encode("ascii") + b"\n"
            if os.write(fd, data) != len(data):
                raise OSError("short write of the salt file")
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        log.info("generated a new salt in %s (mode 0600); keep it with the database", path)
    finally:
        tmp.unlink(missing_ok=True)


def hash_id(salt: str, user_id: int | str) -> str:
    """Keyed one-way hash of a Telegram id: stable per salt, useless without it."""
    message = str(int(user_id)).encode("ascii")
    return hmac.new(salt.encode("utf-8"), message, hashlib.sha256).hexdigest()[:HASH_HEX]


# --- logging errors without what was typed --------------------------------------------------


def error_where(error: BaseException | None) -> str:
    """The type of an error and the innermost place it was raised, without its message: a message
    can quote what the user typed («invalid literal for int(): '01019012345²'»), and neither the bot's
    log nor the web page's keeps user text."""
    if error is None:
        return "unknown error"
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    place = f" at {tb.tb_frame.f_code.co_filename.rsplit('/', 2)[-1]}:{tb.tb_lineno}" if tb else ""
    return f"{type(error).__name__}{place}"


# --- masking --------------------------------------------------------------------------------

MASK_EMAIL = "[e-post]"
MASK_FNR = "[fødselsnummer]"
MASK_PHONE = "[telefonnummer]"
MASK_DATE = "[dato]"
MASK_NUMBER = "[tall]"
MIN_DIGITS = 5  # "long digit run": years (4 digits) and recommendation numbers stay readable

# An address written plainly, with «(at)»/«[at]», or to a host with no dot («@localhost»).
_EMAIL = re.compile(r"[\w.%+\-]+\s?(?:@|\((?:at|alfakrøll)\)|\[(?:at|alfakrøll)\])\s?[\w\-]+"
                    r"(?:(?:\.|\s?(?:\(dot\)|\[dot\]|\(punktum\))\s?)[\w\-]+)*", re.IGNORECASE)
# A digit group run: groups of 2+ ASCII digits joined by one separator each, optionally
# led by a Norwegian country prefix. Single-digit groups are left alone so that
# "anbefaling 6, 7 og 8" is not eaten, while "912 34 567" and "010190 12345" are.
_SEP = r"[ .\-\u00a0\u2007\u2009\u202f/\u2010-\u2014]"  # spaces (also thin and narrow), dots, slashes, dashes
_DIGIT_RUN = re.compile(
    r"(?<![0-9])(?P<prefix>(?:\+|00)[ \u00a0]?47[ .\-\u00a0]?)?"
    r"(?P<body>[0-9]{2,}(?:" + _SEP + r"[0-9]{2,})*)(?![0-9])"
)
_PREFIX_ONLY = re.compile(r"(?<![0-9])(?:\+|00)[ \u00a0]?47(?![0-9])")
# Digits typed one at a time («9 1 2 3 4 5 6 7»): five or more single digits, one separator apart.
_SPACED = re.compile(r"(?<![0-9])[0-9](?:" + _SEP + r"[0-9]){4,}(?![0-9])")
_DATE = re.compile(r"^(?:[0-9]{1,2}[.\-/ ][0-9]{1,2}[.\-/ ](?:[0-9]{2}|[0-9]{4})|[0-9]{4}-[0-9]{2}-[0-9]{2})$")


class _Digits(Protocol):
    def group(self, __group: str | int) -> Any: ...


def _mask_digits(match: _Digits) -> str:
    prefix, body = match.group("prefix"), match.group("body")
    digits = re.sub(r"[^0-9]", "", body)
    if prefix:
        return MASK_PHONE
    if len(digits) < MIN_DIGITS:
        return match.group(0)
    if len(digits) == 11:
        # fødselsnummer/D-nummer are written as 11 digits or 6+5; other 11-digit
        # groupings (bank accounts 4.2.5) are masked as a plain number.
        return MASK_FNR if re.fullmatch(r"[0-9]{11}|[0-9]{6}" + _SEP + r"[0-9]{5}", body) else MASK_NUMBER
    if _DATE.match(body):
        return MASK_DATE
    if len(digits) == 8:
        return MASK_PHONE
    return MASK_NUMBER


def mask(text: str) -> str:
    """Replace e-mail addresses, national ids, phone numbers and long digit runs with labels.

    This runs before anything a user typed reaches the DB. It errs towards
    masking too much (a date written as 19.12.2011 is masked too): a lost
    digit costs an admin little, a stored fødselsnummer costs the user a lot.
    """
    if not text:
        return text or ""
    out = _EMAIL.sub(MASK_EMAIL, fold_digits(text))
    out = _SPACED.sub(lambda m: _mask_digits(_Joined(m.group(0))), out)
    out = _DIGIT_RUN.sub(lambda m: _mask_digits(m), out)
    return _PREFIX_ONLY.sub(MASK_PHONE, out)


def fold_digits(text: str) -> str:
    """NFKC (full-width «１２３», «＠») and every other script's decimal digits to ASCII, so a
    number written in Arabic-Indic or full-width digits is masked like any other."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in text)


class _Joined:
    """A single-digit run seen as one body of digits, for `_mask_digits`."""

    def __init__(self, text: str) -> None:
        self.body = re.sub(r"[^0-9]", "", text)

    def group(self, name: str | int = 0) -> str | None:
        return None if name == "prefix" else self.body


# --- the /om text ---------------------------------------------------------------------------


def privacy_text(retention_days: int = 90) -> str:
    """What ropbot stores and for how long, in plain bokmål, for /om (plain text, no markup).

    The wording must match what store.py and this module actually do; the
    tests check the retention figure and the /glem promise against the code.
    """
    return (
        "Personvern – dette lagrer ropbot:\n"
        "• Spørsmålene du skriver, og hvilket svar du fikk. Før lagring fjerner vi "
        "fødselsnumre, telefonnumre, e-postadresser og lange tallrekker.\n"
        "• Om du bruker ropbot som fagperson eller pårørende, og når du brukte ropbot "
        "første og siste gang.\n"
        "• 👍 og 👎 du gir på svar.\n"
        "• Vi lagrer ikke navnet eller brukernavnet ditt. Telegram-ID-en din lagres bare "
        "som en saltet hash, en enveiskode som ikke kan gjøres om til ID-en igjen.\n"
        f"Spørsmål og tilbakemeldinger slettes automatisk etter {retention_days} dager. "
        "Skriv /glem for å slette spørsmålene dine, tilbakemeldingene dine og valget ditt med en gang. "
        "Bare endringer en administrator har gjort i innholdet, blir stående i loggen (med en kode, "
        "ikke Telegram-id-en).\n"
        "Vi bruker det som lagres bare til å forbedre svarene. Skriv helst ikke navn eller "
        "andre personopplysninger i spørsmålene. Telegram lagrer selve samtalen etter "
        "sine egne regler."
    )
