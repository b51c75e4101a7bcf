"""A user's browser over plain HTTP (urllib): cookies, CSRF tokens, redirects seen as answers."""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from urllib.parse import urlencode

from tests.conftest import PASSWORD

REQUEST_TIMEOUT = 30.0
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the tests look at every redirect themselves


@dataclass
class Reply:
    """Status, redirect target and body of one response."""

    status: int
    location: str
    text: str


class Browser:
    """One user's cookies and CSRF tokens, over urllib."""

    def __init__(self, base_url: str, jar: CookieJar | None = None) -> None:
        self.base_url = base_url
        self.jar = jar or CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def twin(self) -> Browser:
        """Another browser holding a copy of this one's cookies: the same session, its own jar."""
        jar = CookieJar()
        for cookie in self.jar:
            jar.set_cookie(cookie)
        return Browser(self.base_url, jar)

    def request(self, method: str, path: str, data: dict | None = None) -> Reply:
        """Send one request; a redirect or an error status is an answer too."""
        body = urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body, method=method)
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                return Reply(response.status, response.headers.get("Location", ""), response.read().decode())
        except urllib.error.HTTPError as error:
            with error:
                return Reply(error.code, error.headers.get("Location", ""), error.read().decode(errors="replace"))

    def token(self, path: str) -> str:
        """Open a page and take the CSRF token of its form, as a browser would send it back."""
        reply = self.request("GET", path)
        found = CSRF_FIELD.search(reply.text)
        if reply.status != 200 or found is None:
            raise AssertionError(f"GET {path}: {reply.status}, no form token")
        return found.group(1)

    def submit(self, page: str, action: str, fields: dict | None = None) -> Reply:
        """Open the page, then post its form (with the token) to the action."""
        return self.request("POST", action, {**(fields or {}), "csrf_token": self.token(page)})

    def login(self, email: str, password: str = PASSWORD, **fields: str) -> None:
        """Log in through the login form."""
        reply = self.submit("/masuk", "/masuk", {"email": email, "password": password, **fields})
        if reply.status != 302:
            raise AssertionError(f"login {email}: {reply.status}")


