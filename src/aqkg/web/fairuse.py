"""Fair use of a public endpoint: per client, a limit on queries running at once and on query
seconds in any minute, as the Wikidata Query Service does it. Past either, the client gets
429 with `Retry-After`; the other clients keep their share of the workers.

A client is the peer address of the connection; behind a reverse proxy named with
`--trusted-proxy`, the address the proxy forwarded (uvicorn's proxy-headers support puts it in
the request's client address, and only for connections from the trusted addresses, so nobody
else can claim another address with an X-Forwarded-For header).

Query seconds are the wall time of each query, counted when it ends; a query still running
counts in the concurrency limit, not yet in the minute's seconds.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class FairUse:
    """The limits; 0 switches one off."""

    concurrent_queries: int = 1
    seconds_per_minute: float = 60.0


class Refused(Exception):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass
class _Client:
    running: int = 0
    spent: deque[tuple[float, float]] = field(default_factory=deque)  # (ended at, seconds)


class ClientLimits:
    """The clients' running queries and recent query seconds; thread-safe."""

    def __init__(self, limits: FairUse, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()

    def admit(self, client: str) -> float:
        """Count a query in for `client` (its start time), or raise Refused."""
        with self._lock:
            now = self._clock()
            state = self._clients.setdefault(client, _Client())
            self._forget(state, now)
            budget = self.limits.seconds_per_minute
            spent = sum(seconds for _, seconds in state.spent)
            if budget and spent >= budget:
                # wait until enough of the minute's seconds have left the window
                excess, wait = spent - budget, 0.0
                for ended, seconds in state.spent:
                    excess -= seconds
                    wait = ended + WINDOW_SECONDS - now
                    if excess < 0:
                        break
                raise Refused(
                    f"fair use: your queries took {spent:.0f} s in the last minute, over the "
                    f"{budget:g} s each client may use; try again in {math.ceil(wait)} s",
                    max(1, math.ceil(wait)),
                )
            allowed = self.limits.concurrent_queries
            if allowed and state.running >= allowed:
                raise Refused(
                    f"fair use: {state.running} of your queries are running, the most one "
                    f"client may run at once is {allowed}; send the next when one ends",
                    1,
                )
            state.running += 1
            return now

    def release(self, client: str, started: float) -> None:
        with self._lock:
            now = self._clock()
            state = self._clients.setdefault(client, _Client())
            state.running = max(0, state.running - 1)
            state.spent.append((now, now - started))
            self._forget(state, now)
            if not state.running and not state.spent:
                del self._clients[client]

    def _forget(self, state: _Client, now: float) -> None:
        while state.spent and state.spent[0][0] <= now - WINDOW_SECONDS:
            state.spent.popleft()
