"""Authenticated writes to a SPARQL server: HTTP Digest sent up front, bounded retries.

Why not urllib's HTTPDigestAuthHandler: it sends every request unauthenticated first and only
answers the 401. Virtuoso sends that 401 and closes the connection without reading the body,
so a large body (a 50,000-triple PUT) fails with a broken pipe. Here the challenge is fetched
once with a bodiless HEAD, and every write carries its Authorization header from the start;
when the server has moved on to a new nonce (a 401, or a connection it dropped), the next
attempt fetches a fresh challenge.

Why retries are bounded: a server being restarted answers again within seconds, a server that
is gone never does. A write is tried `attempts` times with exponential backoff, then fails with
one line naming the operation; every write aqkg sends is idempotent (a PUT, adding triples to
a set, COPY, DROP), so sending one again after a lost answer does no harm.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from aqkg.store.embedded import StoreError

WRITE_ATTEMPTS = 4
BACKOFF_SECONDS = 0.5  # then 1 s, 2 s: about 3.5 s of waiting in all before giving up
# Server answers worth another try: overloaded, restarting, or a deadlock it rolled back.
RETRY_STATUSES = frozenset({408, 429, 502, 503, 504})
RETRY_SERVER_ERRORS = ("40001", "deadlock", "S1T00")


class _Transient(Exception):
    """This attempt failed in a way another attempt may not."""


@dataclass
class _Challenge:
    """A server's `WWW-Authenticate: Digest ...` parameters, and how often its nonce served."""

    realm: str
    nonce: str
    opaque: str | None
    qop: str | None
    count: int = 0

    @classmethod
    def parse(cls, header: str) -> _Challenge | None:
        scheme, _, rest = header.strip().partition(" ")
        if scheme.lower() != "digest":
            return None
        fields = urllib.request.parse_keqv_list(
            [item for item in urllib.request.parse_http_list(rest) if "=" in item]
        )
        algorithm = fields.get("algorithm", "MD5").upper()
        qops = [q.strip() for q in fields.get("qop", "").split(",") if q.strip()]
        if "realm" not in fields or "nonce" not in fields or algorithm != "MD5":
            return None
        if qops and "auth" not in qops:
            return None
        return cls(fields["realm"], fields["nonce"], fields.get("opaque"), "auth" if qops else None)

    def authorization(self, method: str, url: str, user: str, password: str) -> str:
        """The Authorization header for one request (RFC 7616, MD5, qop=auth)."""
        self.count += 1
        parts = urlsplit(url)
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
        known = _md5(f"{user}:{self.realm}:{password}")
        asked = _md5(f"{method}:{uri}")
        fields = {"username": user, "realm": self.realm, "nonce": self.nonce, "uri": uri}
        if self.qop:
            count, cnonce = f"{self.count:08x}", os.urandom(8).hex()
            fields["response"] = _md5(f"{known}:{self.nonce}:{count}:{cnonce}:auth:{asked}")
            fields.update(cnonce=cnonce)
            extra = f", qop=auth, nc={count}"
        else:
            fields["response"] = _md5(f"{known}:{self.nonce}:{asked}")
            extra = ""
        if self.opaque is not None:
            fields["opaque"] = self.opaque
        quoted = ", ".join(f'{key}="{value}"' for key, value in fields.items())
        return f"Digest {quoted}, algorithm=MD5{extra}"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


class DigestWriter:
    """Sends write requests with Digest credentials, retrying transient failures a bounded
    number of times."""

    def __init__(
        self,
        user: str,
        password: str,
        *,
        timeout: float,
        attempts: int = WRITE_ATTEMPTS,
        backoff: float = BACKOFF_SECONDS,
    ) -> None:
        self._user = user
        self._password = password
        self._timeout = timeout
        self._attempts = max(1, attempts)
        self._backoff = backoff
        self._challenges: dict[str, _Challenge] = {}  # by URL path

    def send(self, method: str, url: str, body: bytes, content_type: str, what: str) -> None:
        """Send one write; `what` names it (the endpoint and graph) in the final error."""
        started = time.monotonic()
        problem = ""
        for attempt in range(self._attempts):
            if attempt:
                time.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                self._send_once(method, url, body, content_type)
                return
            except _Transient as error:
                problem = str(error)
        raise StoreError(
            f"{what} failed after {self._attempts} attempts in {time.monotonic() - started:.0f} s "
            f"({problem})"
        )

    def _send_once(self, method: str, url: str, body: bytes, content_type: str) -> None:
        path = urlsplit(url).path
        challenge = self._challenges.get(path) or self._probe(url)
        headers = {
            "Content-Type": content_type,
            "Authorization": challenge.authorization(method, url, self._user, self._password),
        }
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            detail = _first_line(error.read().decode(errors="replace"))
            self._challenges.pop(path, None)
            if error.code == 401:
                if challenge.count > 1:  # an older nonce: the server may have renewed it
                    raise _Transient("HTTP 401, the server renewed its nonce") from None
                raise StoreError(
                    f"{method} {url}: HTTP 401: the server refused user {self._user!r}: check "
                    "AQKG_ENDPOINT_USER and AQKG_ENDPOINT_PASSWORD"
                ) from None
            if error.code in RETRY_STATUSES or (
                error.code == 500 and any(mark in detail for mark in RETRY_SERVER_ERRORS)
            ):
                raise _Transient(f"HTTP {error.code}: {detail}") from None
            raise StoreError(f"{method} {url} failed: HTTP {error.code}: {detail}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            self._challenges.pop(path, None)  # a fresh nonce next time, in case it was ours
            raise _Transient(_reason(error)) from None

    def _probe(self, url: str) -> _Challenge:
        """The server's current Digest challenge, from a HEAD request that carries no body."""
        request = urllib.request.Request(url, method="HEAD")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout):
                pass
        except urllib.error.HTTPError as error:
            header = error.headers.get("WWW-Authenticate", "") if error.code == 401 else ""
            challenge = _Challenge.parse(header)
            if challenge is not None:
                self._challenges[urlsplit(url).path] = challenge
                return challenge
            if error.code in RETRY_STATUSES or error.code >= 500:
                raise _Transient(f"HTTP {error.code} from {url}") from None
            raise StoreError(
                f"{url} did not ask for Digest authentication (HTTP {error.code}): aqkg only "
                "writes to an endpoint that requires a user (set AQKG_ENDPOINT_UPDATE_URL or "
                "AQKG_ENDPOINT_GSP_URL to the authenticated URLs)"
            ) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise _Transient(_reason(error)) from None
        raise StoreError(
            f"{url} accepts writes without a password: aqkg refuses to write to an open "
            "endpoint; use the server's authenticated URL"
        )


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None)
    text = str(reason if reason is not None else error) or type(error).__name__
    return " ".join(text.split())


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:500] if lines else "(no message)"
