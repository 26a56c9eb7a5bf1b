"""An asyncio event loop in a daemon thread, for servers and bots that run beside synchronous
code: the web page in the tests and `ropbot bench --web`, the Telegram bot in the e2e tests."""
from __future__ import annotations

import asyncio
import threading
from typing import Self


class LoopThread:
    """Runs `startup()` on its own loop, then the loop until `stop()` runs `shutdown()` there.
    A failure in `startup()` is raised in the thread that called `start()`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None

    async def startup(self) -> None:
        raise NotImplementedError

    async def shutdown(self) -> None:
        return None

    def start(self, timeout: float = 20.0) -> Self:
        self.thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"{self.name} did not start in time")
        if self._error is not None:
            raise RuntimeError(f"{self.name} failed to start") from self._error
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.startup())
        except BaseException as exc:  # noqa: BLE001 - raised again in the thread that called start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()
        self.loop.close()

    def stop(self, timeout: float = 15.0) -> None:
        if not self.thread.is_alive():
            return
        if self.loop.is_running():
            asyncio.run_coroutine_threadsafe(self.shutdown(), self.loop).result(timeout)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
