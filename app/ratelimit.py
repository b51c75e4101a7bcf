"""Throttles on the `limits` library: failed logins, and password-reset requests, counted per account and per address."""
from __future__ import annotations

import hashlib
import logging
import math
import time

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

# Five wrong passwords a minute for one account; thirty a minute from one address, so that a
# training room behind one office NAT can still log in while a password sprayer is stopped.
ACCOUNT_LIMIT = "5 per minute"
ADDRESS_LIMIT = "30 per minute"
# Reset emails: a few per hour for one address typed in (so nobody's inbox is flooded), and enough per
# client address for a training room where many people forgot their password at once.
RESET_ACCOUNT_LIMIT = "3 per hour"
RESET_ADDRESS_LIMIT = "30 per hour"
EXTENSION_KEY = "login_throttle"
RESET_EXTENSION_KEY = "reset_throttle"


def _digest(value: str) -> str:
    """Key the storage by a hash: no email addresses in Redis, and no separators to escape."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class Throttle:
    """Counts attempts per account and per address, and tells a view when either must wait."""

    def __init__(self, limiter: MovingWindowRateLimiter | None, per_account: str, per_address: str,
                 name: str = "login") -> None:
        self.limiter, self.name = limiter, name
        self.per_account: RateLimitItem = parse(per_account)
        self.per_address: RateLimitItem = parse(per_address)

    @property
    def enabled(self) -> bool:
        """Whether limits apply (RATELIMIT_ENABLED, off in most tests)."""
        return self.limiter is not None

    def _windows(self, email: str, address: str) -> list[tuple[RateLimitItem, str, str]]:
        return [(self.per_account, f"{self.name}-account", _digest(email)),
                (self.per_address, f"{self.name}-address", _digest(address))]

    def retry_after(self, email: str, address: str) -> int:
        """Seconds until the account and the address may try again; 0 when both may try now."""
        if not self.enabled:
            return 0
        try:
            waits = [
                self.limiter.get_window_stats(item, *keys).reset_time - time.time()
                for item, *keys in self._windows(email, address)
                if not self.limiter.test(item, *keys)
            ]
        except StorageError:
            # The counter store is down: let people log in rather than lock everyone out.
            log.warning("login throttle storage unavailable; not limiting", exc_info=True)
            return 0
        return max(1, math.ceil(max(waits))) if waits else 0

    def failed(self, email: str, address: str) -> bool:
        """Count a failed login (or a reset request); return True when this one used up a window."""
        if not self.enabled:
            return False
        try:
            for item, *keys in self._windows(email, address):
                self.limiter.hit(item, *keys)
            return any(not self.limiter.test(item, *keys) for item, *keys in self._windows(email, address))
        except StorageError:
            log.warning("login throttle storage unavailable; failure not counted", exc_info=True)
            return False


def shared_store_warning(workers: int, storage_uri: str) -> str | None:
    """What to warn about when several worker processes would each count failed logins in their own memory."""
    if workers < 2 or not storage_uri.startswith("memory://"):
        return None
    return (f"login limits are kept in each worker's memory (RATELIMIT_STORAGE_URI={storage_uri}): with {workers} "
            f"workers an account gets up to {workers} times its limit of wrong passwords. Use a shared store, "
            "e.g. RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 (docs/security.md).")


def init_app(app: Flask) -> None:
    """Attach the login and the password-reset throttles to the app, counting in RATELIMIT_STORAGE_URI."""
    config = app.config
    limiter = None
    if config.get("RATELIMIT_ENABLED", True):
        # One store per app (memory:// is the app's own); wrapped errors arrive as StorageError, handled above.
        storage = storage_from_string(config.get("RATELIMIT_STORAGE_URI") or "memory://", wrap_exceptions=True)
        limiter = MovingWindowRateLimiter(storage)
    app.extensions[EXTENSION_KEY] = Throttle(
        limiter, config.get("LOGIN_LIMIT_PER_ACCOUNT", ACCOUNT_LIMIT), config.get("LOGIN_LIMIT_PER_ADDRESS", ADDRESS_LIMIT))
    app.extensions[RESET_EXTENSION_KEY] = Throttle(
        limiter, config.get("RESET_LIMIT_PER_ACCOUNT", RESET_ACCOUNT_LIMIT),
        config.get("RESET_LIMIT_PER_ADDRESS", RESET_ADDRESS_LIMIT), name="reset")


def login_throttle() -> Throttle:
    """The current app's login throttle."""
    return current_app.extensions[EXTENSION_KEY]


def reset_throttle() -> Throttle:
    """The current app's password-reset throttle."""
    return current_app.extensions[RESET_EXTENSION_KEY]
