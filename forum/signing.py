"""Short-lived signed links: a token that proves the bot issued it, for whom and until when.

Why HMAC and not a random token in a table: a download link ("my data", a poll's export)
must work on any replica and after a restart without a row per link, and must not be
guessable or changeable (``person 12`` edited into ``person 13``). The token carries its
subject and expiry in the clear and a SHA-256 HMAC over (purpose, subject, expiry,
binding); ``binding`` is something the server looks up again when the link is used (the
person's Teams id), so a link dies with the record it was issued for even if an id is
reused. The key comes from a setting or is generated once and kept in the database
(``storage.secrets_repository``), so it survives restarts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

logger = logging.getLogger(__name__)

TOKEN_PATTERN = r"[A-Za-z0-9_-]{1,64}\.[0-9]{1,12}\.[A-Za-z0-9_-]{43}"
"""A route may match tokens with this (subject . expiry seconds . signature)."""
_SUBJECT = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TOKEN = re.compile(TOKEN_PATTERN)
MIN_SECRET_BYTES = 32


class InvalidLinkError(ValueError):
    """The token is malformed, was signed for something else, or was tampered with."""


class ExpiredLinkError(InvalidLinkError):
    """The token was genuine but its time is up."""


@dataclass(frozen=True)
class SignedSubject:
    subject: str
    expires_at: datetime


class LinkSigner:
    """Signs and checks link tokens with one secret key."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"a link-signing secret needs at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret

    def sign(self, purpose: str, subject: str, *, now: datetime, lifetime: timedelta, binding: str = "") -> str:
        """A token for ``subject`` (letters, digits, ``-``, ``_``) valid for ``lifetime`` from ``now``."""
        if not _SUBJECT.fullmatch(subject):
            raise ValueError("a signed subject is 1-64 URL-safe characters")
        expires = int((now + lifetime).timestamp())
        return f"{subject}.{expires}.{self._mac(purpose, subject, expires, binding)}"

    @staticmethod
    def peek(token: str) -> str:
        """The subject a token claims, unchecked: to look up its binding before ``verify``."""
        if not _TOKEN.fullmatch(token):
            raise InvalidLinkError("malformed link token")
        return token.split(".", 1)[0]

    def verify(self, purpose: str, token: str, *, now: datetime, binding: str = "") -> SignedSubject:
        """The token's subject, when this key signed it for ``purpose`` and ``binding`` and it is still valid."""
        subject = self.peek(token)
        _, expires_text, signature = token.split(".")
        expires = int(expires_text)
        expected = self._mac(purpose, subject, expires, binding)
        if not hmac.compare_digest(expected, signature):
            raise InvalidLinkError("link token signature does not match")
        expires_at = datetime.fromtimestamp(expires, UTC)
        if expires_at <= now:
            raise ExpiredLinkError("link token expired")
        return SignedSubject(subject, expires_at)

    def _mac(self, purpose: str, subject: str, expires: int, binding: str) -> str:
        message = "\x1f".join((purpose, subject, str(expires), binding)).encode("utf-8")
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
