"""HTTP to SPARQL servers: the one layer under the remote engine, push and enrich.

* Every request has one deadline, ``timeout`` seconds for the whole call, retries
  included: a read is retried with backoff on errors that may pass (connection refused or
  reset, 5xx) while the deadline allows; a write is sent once.
* Credentials (MIGKG_ENDPOINT_USER, MIGKG_ENDPOINT_PASSWORD) are sent only in answer to
  the server's challenge, Basic or Digest, never ahead of it: Virtuoso answers a Basic
  header sent ahead with a 401 that offers no Digest. The body is bytes, so after a
  challenge it is sent again whole, whatever its size.
* Every failure is one EndpointError naming the URL (without credentials or query
  string) and what to do.
"""

from __future__ import annotations

import http.client
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

from loaders.errors import MigkgError

TIMEOUT = 30.0


class EndpointError(MigkgError):
    """A remote endpoint failed: down, slow, refused, or gave something unreadable."""


def _opener(url: str) -> urllib.request.OpenerDirector:
    user = os.environ.get("MIGKG_ENDPOINT_USER")
    if not user:
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, user, os.environ.get("MIGKG_ENDPOINT_PASSWORD", ""))
    return urllib.request.build_opener(
        urllib.request.HTTPDigestAuthHandler(passwords),
        urllib.request.HTTPBasicAuthHandler(passwords),
    )


def request(
    method: str,
    url: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
    retries: int = 0,
) -> bytes:
    """One HTTP exchange within ``timeout`` seconds in all (0: no limit), every attempt
    and pause included, however slowly the server answers; ``retries`` > 0 for reads."""
    from loaders.limits import Deadline, TimeoutExpired, call

    where = urllib.parse.urlsplit(url)._replace(query="").geturl()
    deadline = Deadline(timeout, where)
    attempt = 0
    last = ""  # the last attempt's failure, when one failed

    def late(tries: int) -> EndpointError:
        if last:
            return EndpointError(
                f"{where}: {last} ({tries} attempt{'s' if tries != 1 else ''} in {timeout:g} s)"
            )
        return EndpointError(
            f"{where}: no answer within {timeout:g} s in {tries} attempt"
            f"{'s' if tries != 1 else ''}; give it longer with --timeout SECONDS (0: no limit)"
        )

    while True:
        left = deadline.left()
        if left is not None and left <= 0:
            raise late(attempt)
        req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))

        def exchange(req: urllib.request.Request = req, left: float | None = left) -> bytes:
            with _opener(url).open(req, timeout=left) as response:
                return bytes(response.read())

        try:
            return call(exchange, deadline)
        except TimeoutExpired:
            raise late(attempt + 1) from None
        except urllib.error.HTTPError as exc:
            detail = " ".join(exc.read()[:300].decode("utf-8", "replace").split())
            if exc.code == 401:
                raise EndpointError(
                    f"{where}: 401 {exc.reason}: the endpoint refused the credentials "
                    "(set MIGKG_ENDPOINT_USER and MIGKG_ENDPOINT_PASSWORD)"
                ) from None
            if exc.code == 403:
                raise EndpointError(
                    f"{where}: 403 {exc.reason}: the store is read-only, or these credentials "
                    "may not write to it"
                ) from None
            if exc.code < 500 or attempt >= retries:
                raise EndpointError(f"{where}: {exc.code} {exc.reason}: {detail}") from None
            last = f"{exc.code} {exc.reason}: {detail}"
        except TimeoutError:
            raise late(attempt + 1) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise late(attempt + 1) from None
            if attempt >= retries:
                raise EndpointError(
                    f"{where}: cannot connect ({attempt + 1} attempt"
                    f"{'s' if attempt else ''}): {exc.reason}"
                ) from None
            last = f"cannot connect: {exc.reason}"
        except (OSError, ValueError, http.client.HTTPException) as exc:
            if attempt >= retries:
                raise EndpointError(
                    f"{where}: cannot connect ({attempt + 1} attempt"
                    f"{'s' if attempt else ''}): {exc}"
                ) from None
            last = f"cannot connect: {exc}"
        left = deadline.left()
        pause = min(0.2 * 2**attempt, left if left is not None else 60.0)
        time.sleep(pause)
        attempt += 1
