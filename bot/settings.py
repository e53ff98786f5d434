"""Typed settings, read once from the environment (and an optional ``.env``).

Why one object: every component gets exactly the configuration it needs from
the composition root, so tests can build a ``Settings`` by hand instead of
patching ``os.environ`` behind the code's back.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from forum.delivery.quiet_hours import DEFAULT_QUIET_HOURS, QuietHours, QuietHoursError, parse_quiet_hours

logger = logging.getLogger(__name__)

SUPPORTED_LOCALES = ("fi", "sv", "en")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/foorumibotti.db"
MIN_SECRET_LENGTH = 32
APP_TYPES = ("SingleTenant", "MultiTenant", "UserAssignedMSI")
# New multi-tenant Azure Bots cannot be created since 31 July 2025: single-tenant is the default.
DEFAULT_APP_TYPE = "SingleTenant"
LOG_FORMATS = ("text", "json")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class SettingsError(ValueError):
    """Raised when the environment holds a value the bot cannot run with."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment, validated."""

    host: str = "127.0.0.1"
    port: int = 3978
    app_id: str = ""
    app_password: str = ""
    app_type: str = DEFAULT_APP_TYPE
    app_tenant_id: str = ""
    database_url: str = DEFAULT_DATABASE_URL
    coordinators: tuple[str, ...] = ()
    default_locale: str = "fi"
    timezone: str = "Europe/Helsinki"
    public_base_url: str = "http://127.0.0.1:3978"
    dispatch_interval_seconds: float = 5.0
    card_update_delay_seconds: float = 0.5
    """How long a channel card's update waits for more changes (a burst of RSVPs is one update)."""
    teams_tenant_rps: float = 50.0
    """``TEAMS_TENANT_RPS``: Teams' limit per app per tenant, every call counted; the bot paces
    itself at 80 % of it. Microsoft documents 50 and says the values may change."""
    quiet_hours: QuietHours = DEFAULT_QUIET_HOURS
    """Forums without their own setting keep quiet then (``QUIET_HOURS``, ``QUIET_WEEKENDS``)."""
    max_body_bytes: int = 1024 * 1024
    leaver_retention_days: int = 90
    forum_retention_months: int = 12
    log_file: str = ""
    log_retention_days: int = 30
    link_signing_secret: str = ""
    privacy_contact: str = "kirjaamo@museovirasto.fi"
    log_format: str = "text"
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None
    """``/metrics`` listens only when a port is set (0: any free port), on its own listener."""
    teams_developer_name: str = ""
    teams_website_url: str = ""
    teams_privacy_url: str = ""
    teams_terms_url: str = ""
    allowed_tenants: tuple[str, ...] = ()
    """``ALLOWED_TENANTS``; empty: see ``tenant_allow_list``."""
    allow_unauthenticated_public: bool = False
    """``ALLOW_UNAUTHENTICATED_PUBLIC=1``: local mode may listen on a non-loopback address."""

    @property
    def local_mode(self) -> bool:
        """No app id means no Azure credentials: the Playground/Emulator mode."""
        return not self.app_id

    @property
    def tenant_allow_list(self) -> frozenset[str]:
        """The tenants whose activities are served; empty means any.

        ``ALLOWED_TENANTS`` if set, else a single-tenant bot's own tenant: its Azure identity
        is valid only there, so activities from elsewhere are nobody's forum.
        """
        if self.allowed_tenants:
            return frozenset(tenant.lower() for tenant in self.allowed_tenants)
        if self.app_id and self.app_type != "MultiTenant" and self.app_tenant_id:
            return frozenset({self.app_tenant_id.lower()})
        return frozenset()

    def tenant_allowed(self, tenant_id: str | None) -> bool:
        allowed = self.tenant_allow_list
        return not allowed or (tenant_id is not None and tenant_id.lower() in allowed)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv_path: Path | None = None) -> Settings:
        """Build settings from ``environ`` over an optional ``.env`` file.

        Real environment variables win over the ``.env`` file, the usual rule,
        so a deployment can override a developer's file.
        """
        env: dict[str, str] = {}
        path = dotenv_path if dotenv_path is not None else Path(".env")
        if path.is_file():
            env.update({k: v for k, v in dotenv_values(path).items() if v is not None})
        env.update(os.environ if environ is None else environ)

        def get(name: str, default: str) -> str:
            return env.get(name, default).strip() or default

        try:
            port = int(get("PORT", "3978"))
            interval = float(get("DISPATCH_INTERVAL_SECONDS", "5"))
            card_delay = float(get("CARD_UPDATE_DELAY_SECONDS", "0.5"))
            tenant_rps = float(get("TEAMS_TENANT_RPS", "50"))
        except ValueError as exc:
            raise SettingsError(
                "PORT, DISPATCH_INTERVAL_SECONDS, CARD_UPDATE_DELAY_SECONDS and TEAMS_TENANT_RPS "
                f"must be numbers: {exc}"
            ) from exc
        if not 1 <= tenant_rps <= 100_000:
            raise SettingsError(f"TEAMS_TENANT_RPS must be 1..100000, not {tenant_rps}")
        if not 0 <= card_delay <= 10:
            raise SettingsError(f"CARD_UPDATE_DELAY_SECONDS must be 0..10, not {card_delay}")
        if not 0 < port < 65536:
            raise SettingsError(f"PORT must be 1..65535, not {port}")
        retention = {
            name: _positive_int(name, get(name, default))
            for name, default in (
                ("LEAVER_RETENTION_DAYS", "90"),
                ("FORUM_RETENTION_MONTHS", "12"),
                ("LOG_RETENTION_DAYS", "30"),
            )
        }
        secret = env.get("LINK_SIGNING_SECRET", "").strip()
        if secret and len(secret.encode("utf-8")) < MIN_SECRET_LENGTH:
            raise SettingsError(f"LINK_SIGNING_SECRET must be at least {MIN_SECRET_LENGTH} bytes (or unset)")
        locale = get("DEFAULT_LOCALE", "fi").lower()
        if locale not in SUPPORTED_LOCALES:
            raise SettingsError(f"DEFAULT_LOCALE must be one of {SUPPORTED_LOCALES}, not {locale!r}")
        timezone = get("TIMEZONE", "Europe/Helsinki")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(f"TIMEZONE {timezone!r} is not a known time zone") from exc
        try:
            quiet_hours = parse_quiet_hours(
                get("QUIET_HOURS", DEFAULT_QUIET_HOURS.setting()), _flag(env, "QUIET_WEEKENDS")
            )
        except QuietHoursError as exc:
            raise SettingsError(f"QUIET_HOURS: {exc}") from exc
        coordinators = tuple(item.strip().lower() for item in env.get("COORDINATORS", "").split(",") if item.strip())
        host = get("HOST", "127.0.0.1")
        app_id = env.get("MicrosoftAppId", "").strip()
        app_type = get("MicrosoftAppType", DEFAULT_APP_TYPE)
        app_tenant_id = env.get("MicrosoftAppTenantId", "").strip()
        _check_app_identity(app_id, app_type, app_tenant_id)
        allowed_tenants = tuple(item.strip() for item in env.get("ALLOWED_TENANTS", "").split(",") if item.strip())
        for tenant in allowed_tenants:
            if not _GUID.match(tenant):
                raise SettingsError(f"ALLOWED_TENANTS must list tenant GUIDs, not {tenant!r}")
        allow_public = bool(_flag(env, "ALLOW_UNAUTHENTICATED_PUBLIC"))
        if not app_id and not allow_public and not _is_loopback(host):
            raise SettingsError(
                f"HOST={host} without MicrosoftAppId would serve unauthenticated requests to other "
                "hosts (local mode checks no tokens): set MicrosoftAppId, or HOST=127.0.0.1, or "
                "ALLOW_UNAUTHENTICATED_PUBLIC=1 if you really mean it"
            )
        log_format = get("LOG_FORMAT", "text").lower()
        if log_format not in LOG_FORMATS:
            raise SettingsError(f"LOG_FORMAT must be one of {LOG_FORMATS}, not {log_format!r}")
        return cls(
            host=host,
            port=port,
            app_id=app_id,
            app_password=env.get("MicrosoftAppPassword", "").strip(),
            app_type=app_type,
            app_tenant_id=app_tenant_id,
            database_url=get("DATABASE_URL", DEFAULT_DATABASE_URL),
            coordinators=coordinators,
            default_locale=locale,
            timezone=timezone,
            public_base_url=get("PUBLIC_BASE_URL", f"http://{host}:{port}").rstrip("/"),
            dispatch_interval_seconds=interval,
            card_update_delay_seconds=card_delay,
            teams_tenant_rps=tenant_rps,
            quiet_hours=quiet_hours,
            leaver_retention_days=retention["LEAVER_RETENTION_DAYS"],
            forum_retention_months=retention["FORUM_RETENTION_MONTHS"],
            log_file=env.get("LOG_FILE", "").strip(),
            log_retention_days=retention["LOG_RETENTION_DAYS"],
            link_signing_secret=secret,
            privacy_contact=get("PRIVACY_CONTACT", "kirjaamo@museovirasto.fi"),
            log_format=log_format,
            metrics_host=get("METRICS_HOST", "127.0.0.1"),
            metrics_port=_optional_port(env.get("METRICS_PORT", "").strip()),
            teams_developer_name=get("TEAMS_APP_DEVELOPER", ""),
            teams_website_url=get("TEAMS_APP_WEBSITE_URL", ""),
            teams_privacy_url=get("TEAMS_APP_PRIVACY_URL", ""),
            teams_terms_url=get("TEAMS_APP_TERMS_URL", ""),
            allowed_tenants=allowed_tenants,
            allow_unauthenticated_public=allow_public,
        )


def _positive_int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from exc
    if number < 1:
        raise SettingsError(f"{name} must be at least 1, not {number}")
    return number


def _flag(env: Mapping[str, str], name: str) -> bool | None:
    """A yes/no variable; None when unset (the default decides)."""
    value = env.get(name, "").strip().lower()
    if not value:
        return None
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")


def _check_app_identity(app_id: str, app_type: str, tenant_id: str) -> None:
    """Refuse an Azure identity that would only fail later, at the first signed request.

    Local mode (no app id) needs none of it. A single-tenant bot (and a managed identity)
    is valid only in its own tenant, so without the tenant id no token can be had.
    """
    if app_type not in APP_TYPES:
        raise SettingsError(f"MicrosoftAppType must be one of {APP_TYPES}, not {app_type!r}")
    if not app_id:
        return
    if app_type != "MultiTenant" and not tenant_id:
        raise SettingsError(f"MicrosoftAppType {app_type} needs MicrosoftAppTenantId (the Entra tenant's id)")
    if tenant_id and not _GUID.match(tenant_id):
        raise SettingsError(f"MicrosoftAppTenantId must be a GUID, not {tenant_id!r}")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


def _optional_port(value: str) -> int | None:
    if not value:
        return None
    try:
        port = int(value)
    except ValueError as exc:
        raise SettingsError(f"METRICS_PORT must be a number: {exc}") from exc
    if not 0 <= port < 65536:
        raise SettingsError(f"METRICS_PORT must be 0..65535, not {port}")
    return port
