"""The HTTP side of an LRS: POST a batch of statements to XAPI_ENDPOINT/statements with basic auth."""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.xapi.statements import VERSION

# Statuses after which the same request may succeed later: the LRS is away, busy or overloaded.
RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


class LrsUnavailable(Exception):
    """The LRS could not be reached or asked to come back later; try again after a wait."""


class LrsRefused(Exception):
    """The LRS answered and refused the statements (bad statement, conflicting id, wrong credentials)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status


@dataclass(frozen=True)
class Lrs:
    """Where statements go: the statements resource of an LRS and its basic-auth credentials."""

    endpoint: str
    username: str = ""
    password: str = ""
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Any) -> Lrs | None:
        """The configured LRS, or None when XAPI_ENDPOINT is empty (statements then wait in the outbox)."""
        endpoint = (config.get("XAPI_ENDPOINT") or "").strip()
        if not endpoint:
            return None
        return cls(endpoint, config.get("XAPI_USERNAME") or "", config.get("XAPI_PASSWORD") or "",
                   float(config.get("XAPI_TIMEOUT_SECONDS") or 10))

    @property
    def statements_url(self) -> str:
        """The statements resource under the endpoint."""
        return self.endpoint.rstrip("/") + "/statements"

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "X-Experience-API-Version": VERSION}
        if self.username or self.password:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        return headers

    def post(self, statements: Sequence[dict[str, Any]]) -> None:
        """Send the statements in one request; LrsUnavailable or LrsRefused when they were not stored.

        A statement id the LRS already holds with the same content is not an error (xAPI 1.0.3):
        a batch sent again after a lost answer stores nothing twice.
        """
        body = json.dumps(list(statements), ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.statements_url, data=body, method="POST", headers=self._headers())
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            detail = error.read(2000).decode("utf-8", "replace")
            if error.code in RETRYABLE:
                raise LrsUnavailable(f"HTTP {error.code}: {detail}") from error
            raise LrsRefused(error.code, detail) from error
        except (OSError, urllib.error.URLError) as error:  # refused, reset, timed out, unknown host
            raise LrsUnavailable(str(getattr(error, "reason", error))) from error
