"""Where the bot's log goes, and for how long it is kept.

Why rotation here: the log may hold internal ids and error texts about people's messages,
so it is personal data too; with ``LOG_FILE`` set it is rotated at midnight and old files
are deleted so that at most ``LOG_RETENTION_DAYS`` days are kept. Nothing at INFO names a
person (internal numeric ids only); the access log has no client addresses and no tokens
(``bot/access_log.py``).
"""

from __future__ import annotations

import logging
from logging.handlers import TimedRotatingFileHandler
from pathlib import Path

from bot.observability.log_format import log_formatter
from bot.settings import Settings

logger = logging.getLogger(__name__)


def log_handler(settings: Settings) -> logging.Handler:
    """Standard error, or ``LOG_FILE`` rotated daily keeping ``LOG_RETENTION_DAYS`` days (today's included)."""
    if not settings.log_file:
        return logging.StreamHandler()
    path = Path(settings.log_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    # backupCount counts the old files; today's file is the extra day. Zero would keep all.
    return TimedRotatingFileHandler(
        path, when="midnight", backupCount=max(1, settings.log_retention_days - 1), encoding="utf-8"
    )


def configure_logging(settings: Settings) -> None:
    """The root logger's one handler (stderr or the rotated file) in ``LOG_FORMAT`` (text or JSON)."""
    handler = log_handler(settings)
    handler.setFormatter(log_formatter(settings.log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    silence_known_sdk_noise()


class KnownSdkNoise(logging.Filter):
    """Drops exactly one known warning of the SDK, nothing broader.

    ``TeamsInfo`` builds ``TeamsChannelData(**activity.channel_data)`` from the raw JSON, so every
    channel ``conversationUpdate`` made msrest warn that ``eventType`` and ``source`` (Teams'
    camelCase keys, which the model reads under other names) are "not a known attribute of class
    TeamsChannelData". The data is read correctly elsewhere; the warning says nothing to an
    operator. Any other attribute, class or msrest message still gets through.
    """

    MESSAGE = "%s is not a known attribute of class %s and will be ignored"
    ATTRIBUTES = frozenset({"eventType", "source"})
    CLASS_NAME = "TeamsChannelData"

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != self.MESSAGE or not isinstance(record.args, tuple) or len(record.args) != 2:
            return True
        attribute, cls = record.args
        return not (attribute in self.ATTRIBUTES and getattr(cls, "__name__", None) == self.CLASS_NAME)


MSREST_SERIALIZATION_LOGGER = "msrest.serialization"


def silence_known_sdk_noise() -> None:
    """Install ``KnownSdkNoise`` on msrest's serialization logger (once; calling again is a no-op)."""
    target = logging.getLogger(MSREST_SERIALIZATION_LOGGER)
    if not any(isinstance(existing, KnownSdkNoise) for existing in target.filters):
        target.addFilter(KnownSdkNoise())
