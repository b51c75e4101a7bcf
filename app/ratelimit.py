"""Login throttling with Flask-Limiter: failed attempts counted per account and per client address."""
from __future__ import annotations

import hashlib
import logging
import math
import time

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from limits.errors import StorageError

log = logging.getLogger(__name__)

# Five wrong passwords a minute for one account; thirty a minute from one address, so that a
# training room behind one office NAT can still log in while a password sprayer is stopped.
ACCOUNT_LIMIT = "5 per minute"
ADDRESS_LIMIT = "30 per minute"
EXTENSION_KEY = "login_throttle"


def _digest(value: str) -> str:
    """Key the storage by a hash: no email addresses in Redis, and no separators to escape."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class LoginThrottle:
    """Counts failed logins and tells the login view when an account or address must wait."""

    def __init__(self, app: Flask) -> None:
        # One limiter per app: Flask-Limiter keeps its storage and on/off switch on the instance.
        self.limiter = Limiter(
            key_func=get_remote_address,
            strategy="moving-window",
            key_prefix="kelaskim",
            storage_options={"wrap_exceptions": True},
        )
        self.limiter.init_app(app)
        self.per_account: RateLimitItem = parse(app.config.get("LOGIN_LIMIT_PER_ACCOUNT", ACCOUNT_LIMIT))
        self.per_address: RateLimitItem = parse(app.config.get("LOGIN_LIMIT_PER_ADDRESS", ADDRESS_LIMIT))

    @property
    def enabled(self) -> bool:
        """Whether limits apply (RATELIMIT_ENABLED, off in most tests)."""
        return bool(self.limiter.enabled and self.limiter.initialized)

    def _windows(self, email: str, address: str) -> list[tuple[RateLimitItem, str, str]]:
        return [(self.per_account, "login-account", _digest(email)), (self.per_address, "login-address", _digest(address))]

    def retry_after(self, email: str, address: str) -> int:
        """Seconds until the account and the address may try again; 0 when both may try now."""
        if not self.enabled:
            return 0
        try:
            waits = [
                self.limiter.limiter.get_window_stats(item, *keys).reset_time - time.time()
                for item, *keys in self._windows(email, address)
                if not self.limiter.limiter.test(item, *keys)
            ]
        except StorageError:
            # The counter store is down: let people log in rather than lock everyone out.
            log.warning("login throttle storage unavailable; not limiting", exc_info=True)
            return 0
        return max(1, math.ceil(max(waits))) if waits else 0

    def failed(self, email: str, address: str) -> bool:
        """Count a failed login; return True when this failure used up a window."""
        if not self.enabled:
            return False
        try:
            for item, *keys in self._windows(email, address):
                self.limiter.limiter.hit(item, *keys)
            return any(not self.limiter.limiter.test(item, *keys) for item, *keys in self._windows(email, address))
        except StorageError:
            log.warning("login throttle storage unavailable; failure not counted", exc_info=True)
            return False


def init_app(app: Flask) -> None:
    """Attach a login throttle to the app."""
    app.extensions[EXTENSION_KEY] = LoginThrottle(app)


def login_throttle() -> LoginThrottle:
    """The current app's login throttle."""
    return current_app.extensions[EXTENSION_KEY]
