"""The interface between the Telegram channel and whatever stores usage data.

The channel must work with no store at all (tests, the terminal, a fresh
install), and the store is built separately; a Protocol lets both sides agree
on calls without importing each other. Every call is made from the event loop,
so implementations should be quick (a local SQLite write is fine).
"""
from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from ..reply import Reply

log = logging.getLogger(__name__)


@runtime_checkable
class Recorder(Protocol):
    """What the channel reports. Implementations own masking, hashing and retention."""

    def record_query(self, user_id: int, audience: str, text: str, reply: Reply, latency_ms: float) -> int | None:
        """Store one question and the decision it got; return an id for feedback buttons, or None.

        Storing a question also counts as the user being active in `audience`: after a typed
        question that returned an id and kept the audience, the channel skips `touch_user`.
        """

    def record_feedback(self, query_id: int, vote: int, user_id: int | None = None) -> bool | None:
        """Store a 👍 (+1) or 👎 (-1) for a query id returned by `record_query`, pressed by
        `user_id` (the recorder refuses a vote on someone else's question)."""

    def forget_user(self, user_id: int) -> int:
        """Erase everything stored about a user (/glem); return how many rows went."""

    def touch_user(self, user_id: int, audience: str) -> None:
        """Note that a user was active now, and in which audience."""

    def user_audience(self, user_id: int) -> str | None:
        """The audience the user was last in, so a restart does not reset their choice; None if unknown."""


class NullRecorder:
    """The default: stores nothing, so feedback buttons carry no query id."""

    def record_query(self, user_id: int, audience: str, text: str, reply: Reply, latency_ms: float) -> int | None:
        return None

    def record_feedback(self, query_id: int, vote: int, user_id: int | None = None) -> None:
        return None

    def forget_user(self, user_id: int) -> int:
        return 0

    def touch_user(self, user_id: int, audience: str) -> None:
        return None

    def user_audience(self, user_id: int) -> str | None:
        return None


class SafeRecorder:
    """Wraps a Recorder so a failing store never costs a user their answer.

    Storage is secondary to answering: errors are logged with a traceback and
    the channel carries on as if nothing had been stored. `forget_user` is the
    exception: its failure must be reported to the user, so it re-raises.
    """

    def __init__(self, inner: Recorder) -> None:
        self.inner = inner

    def record_query(self, user_id: int, audience: str, text: str, reply: Reply, latency_ms: float) -> int | None:
        try:
            qid = self.inner.record_query(user_id, audience, text, reply, latency_ms)
        except Exception as exc:  # noqa: BLE001 - any store failure must not reach the user
            log.error("recorder.record_query failed: %s", type(exc).__name__)
            return None
        return qid if isinstance(qid, int) and not isinstance(qid, bool) and qid > 0 else None

    def record_feedback(self, query_id: int, vote: int, user_id: int | None = None) -> None:
        try:
            self.inner.record_feedback(query_id, vote, user_id)
        except Exception as exc:  # noqa: BLE001
            log.error("recorder.record_feedback failed: %s", type(exc).__name__)

    def forget_user(self, user_id: int) -> int:
        return int(self.inner.forget_user(user_id) or 0)

    def touch_user(self, user_id: int, audience: str) -> None:
        try:
            self.inner.touch_user(user_id, audience)
        except Exception as exc:  # noqa: BLE001
            log.error("recorder.touch_user failed: %s", type(exc).__name__)

    def user_audience(self, user_id: int) -> str | None:
        lookup = getattr(self.inner, "user_audience", None)  # recorders from before it existed
        if lookup is None:
            return None
        try:
            return lookup(user_id)
        except Exception as exc:  # noqa: BLE001 - fall back to the default audience
            log.error("recorder.user_audience failed: %s", type(exc).__name__)
            return None
