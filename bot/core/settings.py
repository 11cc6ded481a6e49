"""All configuration, read from environment variables once and validated.

Every variable is documented in `.env.example` and in the README's table. A bad
value stops the process with a message that names the variable, what it got and
what it wants, rather than failing later somewhere deep inside.
"""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REPO_ROOT = Path(__file__).resolve().parents[2]


class SettingsError(ValueError):
    """One or more environment variables have values the product cannot use."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    content_dir: Path
    default_language: str
    default_timezone: str
    default_country: str
    invite_ttl_days: int
    telegram_bot_username: str
    public_base_url: str
    rasa_url: str
    action_server_port: int
    rasa_port: int
    secret_key: str = field(repr=False)
    log_level: str = "INFO"
    # Keys retired by a rotation (newest first): links, buttons and codes made with them
    # still verify; nothing new is signed with them (`python -m bot keys`).
    old_secret_keys: tuple[str, ...] = field(default=(), repr=False)
    # ---- who may talk to the servers ----
    bind_host: str = "127.0.0.1"  # every server listens here only, unless configured
    rasa_api_token: str = field(default="", repr=False)  # empty: `bot run` makes one per run
    action_server_token: str = field(default="", repr=False)  # likewise
    cors_origins: tuple[str, ...] = ()
    # ---- escalation delivery ----
    smtp_host: str = ""  # empty: e-mails are written to var/mail/ instead of sent
    smtp_port: int = 25
    smtp_security: str = "plain"  # plain | starttls | ssl
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = "cbt-assistant@localhost"
    email_include_clinical_detail: bool = False
    gp_web_port: int = 5080
    gp_web_url: str = "http://127.0.0.1:5080"
    telegram_token: str = field(default="", repr=False)
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # ---- patient channels (bot/channels) ----
    telegram_webhook_url: str = ""  # empty: long polling (when a token is set)
    telegram_webhook_secret: str = field(default="", repr=False)
    web_port: int = 8080
    rasa_public_url: str = ""  # empty: the web page's own host on RASA_PORT
    practice_name: str = ""  # empty: the only practice in the database, or a neutral name
    disengaged_after_days: int = 7
    mail_retention_days: int = 30  # e-mails written to var/mail/ are deleted after this
    # ---- the patients' data rights (bot/privacy) ----
    erasure_grace_hours: int = 24  # an erasure asked for in chat is carried out after this
    conversation_retention_days: int = 180  # a conversation silent this long is deleted
    digest_hour: int = 8
    # ---- check-ins and reminders ----
    phq9_interval_days: int = 14
    phq9_at_module_end: bool = True
    phq2_midway: bool = True
    reminder_default_time: str = "19:00"
    quiet_hours: str = "22:00-08:00"
    production: bool = False  # PRODUCTION=true: insecure settings refused, REST channel off

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """Every key that verifies, the current one first (it alone signs)."""
        return (self.secret_key, *self.old_secret_keys)


_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off", ""}


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int, errors: list[str]) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        errors.append(f"{name}={raw!r} is not a whole number (expected {lo}..{hi})")
        return default
    if not lo <= value <= hi:
        errors.append(f"{name}={value} is out of range (expected {lo}..{hi})")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool, errors: list[str]) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    low = raw.strip().lower()
    if low in _BOOL_TRUE:
        return True
    if low in _BOOL_FALSE:
        return False
    errors.append(f"{name}={raw!r} is not a yes/no value (use true or false)")
    return default


# Values once shipped or commonly pasted as examples; refused wherever they turn up.
KNOWN_WEAK_SECRETS = frozenset({"dev-only-insecure-secret-change-me",
                                "change-me-to-a-random-value-of-32-chars-or-more"})


# Invite codes live up to this many days (INVITE_TTL_DAYS, `patients invite --days`): a
# code in a letter or message is a credential, so it must not stay usable for months.
MAX_INVITE_TTL_DAYS = 30
MIN_SECRET_BYTES = 32
OLD_KEYS_FILE = "old_secret_keys"  # in var/secrets/: one retired key a line, newest first


def read_old_keys(folder_of: Path | None = None) -> tuple[str, ...]:
    """The retired keys `python -m bot keys rotate` kept in var/secrets/ (none: empty)."""
    path = (folder_of or var_dir()) / "secrets" / OLD_KEYS_FILE
    if not path.exists():
        return ()
    lines = path.read_text(encoding="ascii").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _secret_problem(name: str, key: str) -> str | None:
    if len(key.encode()) < MIN_SECRET_BYTES or key in KNOWN_WEAK_SECRETS:
        return (f"{name} must be a random value of at least {MIN_SECRET_BYTES} characters "
                "(it signs the GP links): python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'")
    return None


def _old_secret_keys(env: Mapping[str, str], current: str, from_env: bool, production: bool,
                     errors: list[str]) -> tuple[str, ...]:
    """OLD_SECRET_KEYS (comma-separated, newest first), and with no SECRET_KEY in the
    environment the ones `keys rotate` kept in var/secrets/old_secret_keys."""
    keys = [k.strip() for k in env.get("OLD_SECRET_KEYS", "").split(",") if k.strip()]
    if not from_env:
        keys += read_old_keys()
    kept: list[str] = []
    for n, key in enumerate(keys, 1):
        problem = _secret_problem(f"OLD_SECRET_KEYS (key {n})", key)
        if problem:
            errors.append(problem)
        elif key == current:
            if production:
                errors.append(f"OLD_SECRET_KEYS (key {n}) is the same as SECRET_KEY: a rotation "
                              "must set a new SECRET_KEY and list only the retired ones")
        elif key not in kept:
            kept.append(key)
    return tuple(kept)


def local_secret(name: str, folder_of: Path | None = None) -> str:
    """A random secret for this installation, made on first use and kept in
    ``var/secrets/<name>`` (mode 0600), so a single-machine install needs no
    configuration and has no default secret. Several machines must share one
    through the environment instead (``PRODUCTION=true`` insists)."""
    folder = (folder_of or var_dir()) / "secrets"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    if not path.exists():
        # Written whole under a temporary name, then linked into place: link() fails
        # if another process got there first, and then both use that one.
        tmp = folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text(encoding="ascii").strip()


_LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


def _database_without_tls(url: str) -> str | None:
    """Why a database URL would carry patient data unencrypted over a network, or None."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return None  # reported elsewhere
    if not parsed.drivername.startswith("postgresql"):
        return None
    host = parsed.host or ""
    if host in _LOCAL_HOSTS or host.startswith("/"):
        return None
    if str(parsed.query.get("sslmode", "")) in ("require", "verify-ca", "verify-full"):
        return None
    return (f"connects to {host} without TLS; add ?sslmode=verify-full (or require) when "
            "PRODUCTION=true")


def production_problems(env: Mapping[str, str], public_base_url: str, gp_web_url: str,
                        rasa_public_url: str, database_url: str, smtp_host: str,
                        smtp_security: str, email_clinical: bool) -> list[str]:
    """What PRODUCTION=true refuses besides a missing SECRET_KEY."""
    errors = []
    for name, url in (("PUBLIC_BASE_URL", public_base_url), ("GP_WEB_URL", gp_web_url),
                      ("RASA_PUBLIC_URL", rasa_public_url)):
        if url.startswith("http://"):
            errors.append(f"{name}={url!r} must start with https:// when PRODUCTION=true "
                          "(links carry signed tokens; pages show patient data)")
    if not rasa_public_url:
        errors.append("RASA_PUBLIC_URL must be set when PRODUCTION=true: the address browsers "
                      "reach socket.io at through the proxy, e.g. https://chat.practice.example "
                      "(the default, this host on RASA_PORT, is not public)")
    if not env.get("CORS_ORIGINS", "").strip():
        errors.append("CORS_ORIGINS must be set when PRODUCTION=true: the chat page's public "
                      "origin, e.g. https://chat.practice.example (the default allows only 127.0.0.1)")
    for name, url in (("DATABASE_URL", database_url),
                      ("TRACKER_URL", env.get("TRACKER_URL", "").strip())):
        why = _database_without_tls(url) if url else None
        if why:
            errors.append(f"{name} {why}")
    if email_clinical and smtp_host and smtp_security == "plain":
        errors.append("EMAIL_INCLUDE_CLINICAL_DETAIL=true with SMTP_SECURITY=plain would send "
                      "clinical detail unencrypted; use starttls or ssl when PRODUCTION=true")
    return errors


def var_dir() -> Path:
    """Where this installation keeps its own files (SQLite databases, logs, mail drop,
    secrets): VAR_DIR, or var/ in the checkout. Everything in it is the user's only."""
    raw = os.environ.get("VAR_DIR", "").strip()
    return Path(raw).resolve() if raw else REPO_ROOT / "var"


def default_tracker_url() -> str:
    """Where Rasa keeps the conversations: TRACKER_URL, or var/tracker.db."""
    return os.environ.get("TRACKER_URL") or f"sqlite:///{var_dir() / 'tracker.db'}"


def default_database_url() -> str:
    return f"sqlite:///{var_dir() / 'bot.db'}"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Reads and validates the settings; raises SettingsError listing every problem."""
    env = os.environ if env is None else env
    errors: list[str] = []

    database_url = env.get("DATABASE_URL", "").strip() or default_database_url()
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", database_url):
        errors.append(
            f"DATABASE_URL={database_url!r} is not supported: use sqlite:///path/to/file.db "
            "or postgresql://user@host:port/dbname"
        )

    content_dir = Path(env.get("CONTENT_DIR", "").strip() or REPO_ROOT / "cbt_content")
    if not content_dir.is_dir():
        errors.append(f"CONTENT_DIR={str(content_dir)!r} is not a directory")

    default_language = env.get("DEFAULT_LANGUAGE", "en").strip() or "en"
    if not re.fullmatch(r"[a-z]{2}", default_language):
        errors.append(f"DEFAULT_LANGUAGE={default_language!r} must be a two-letter code like en or nb")

    default_timezone = env.get("DEFAULT_TIMEZONE", "Europe/Oslo").strip() or "Europe/Oslo"
    try:
        ZoneInfo(default_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(f"DEFAULT_TIMEZONE={default_timezone!r} is not a known IANA timezone (e.g. Europe/Oslo)")

    default_country = (env.get("DEFAULT_COUNTRY", "NO").strip() or "NO").upper()
    if not re.fullmatch(r"[A-Z]{2}", default_country):
        errors.append(f"DEFAULT_COUNTRY={default_country!r} must be a two-letter country code like NO or GB")

    invite_ttl_days = _int(env, "INVITE_TTL_DAYS", 14, 1, MAX_INVITE_TTL_DAYS, errors)

    username = env.get("TELEGRAM_BOT_USERNAME", "").strip().lstrip("@") or "YourPracticeBot"
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", username):
        errors.append(f"TELEGRAM_BOT_USERNAME={username!r} is not a valid Telegram bot username")

    rasa_port = _int(env, "RASA_PORT", 5005, 1, 65535, errors)
    action_port = _int(env, "ACTION_SERVER_PORT", 5055, 1, 65535, errors)
    rasa_url = env.get("RASA_URL", "").strip() or f"http://127.0.0.1:{rasa_port}"
    if not re.match(r"^https?://", rasa_url):
        errors.append(f"RASA_URL={rasa_url!r} must start with http:// or https://")
    # The patients' public address (the chat page, and the links patients get); its
    # default, the chat page on WEB_PORT, is set once WEB_PORT is read below.
    public_base_url = env.get("PUBLIC_BASE_URL", "").strip()
    if public_base_url and not re.match(r"^https?://", public_base_url):
        errors.append(f"PUBLIC_BASE_URL={public_base_url!r} must start with http:// or https://")

    production = _bool(env, "PRODUCTION", False, errors)
    secret_key = env.get("SECRET_KEY", "").strip()
    if not secret_key and production:
        errors.append("SECRET_KEY must be set when PRODUCTION=true (every machine of an "
                      "installation needs the same one): a random value of at least 32 characters, "
                      "e.g. from: python -c 'import secrets; print(secrets.token_urlsafe(32))'")
    elif not secret_key:
        secret_key = local_secret("secret_key")
    elif problem := _secret_problem("SECRET_KEY", secret_key):
        errors.append(problem)
    old_secret_keys = _old_secret_keys(env, secret_key, bool(env.get("SECRET_KEY", "").strip()),
                                       production, errors)

    bind_host = env.get("BIND_HOST", "").strip() or "127.0.0.1"
    if not re.fullmatch(r"[A-Za-z0-9.:-]{1,253}", bind_host):
        errors.append(f"BIND_HOST={bind_host!r} must be an address such as 127.0.0.1 or 0.0.0.0")
    tokens = {}
    for name in ("RASA_API_TOKEN", "ACTION_SERVER_TOKEN"):
        tokens[name] = env.get(name, "").strip()
        if tokens[name] and not re.fullmatch(r"[A-Za-z0-9_-]{24,256}", tokens[name]):
            errors.append(f"{name} must be 24-256 characters of A-Z, a-z, 0-9, _ and - "
                          "(or empty: `bot run` then makes a random one for each run)")

    log_level = (env.get("LOG_LEVEL", "INFO").strip() or "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        errors.append(f"LOG_LEVEL={log_level!r} must be one of DEBUG, INFO, WARNING, ERROR")

    # ---- escalation delivery ----
    smtp_host = env.get("SMTP_HOST", "").strip()
    smtp_security = (env.get("SMTP_SECURITY", "plain").strip() or "plain").lower()
    if smtp_security not in {"plain", "starttls", "ssl"}:
        errors.append(f"SMTP_SECURITY={smtp_security!r} must be plain, starttls or ssl")
    smtp_port = _int(env, "SMTP_PORT", 465 if smtp_security == "ssl" else 25, 1, 65535, errors)
    smtp_user = env.get("SMTP_USER", "").strip()
    smtp_password = env.get("SMTP_PASSWORD", "")
    if bool(smtp_user) != bool(smtp_password):
        errors.append("SMTP_USER and SMTP_PASSWORD must be set together (or both left empty)")
    smtp_from = env.get("SMTP_FROM", "").strip() or "cbt-assistant@localhost"
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", smtp_from):
        errors.append(f"SMTP_FROM={smtp_from!r} is not an e-mail address "
                      "like gp-alerts@practice.example")
    email_clinical = _bool(env, "EMAIL_INCLUDE_CLINICAL_DETAIL", False, errors)
    gp_web_port = _int(env, "GP_WEB_PORT", 5080, 1, 65535, errors)
    gp_web_url = env.get("GP_WEB_URL", "").strip() or f"http://127.0.0.1:{gp_web_port}"
    if not re.match(r"^https?://", gp_web_url):
        errors.append(f"GP_WEB_URL={gp_web_url!r} must start with http:// or https://")
    telegram_token = env.get("TELEGRAM_TOKEN", "").strip()
    if telegram_token and not re.fullmatch(r"\d+:[\w-]{20,}", telegram_token):
        errors.append("TELEGRAM_TOKEN does not look like a bot token from @BotFather "
                      "(123456:ABC...)")
    telegram_api = env.get("TELEGRAM_API_BASE_URL", "").strip() or "https://api.telegram.org/bot"
    if not re.match(r"^https?://", telegram_api):
        errors.append(f"TELEGRAM_API_BASE_URL={telegram_api!r} must start with http:// or https://")
    webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip()
    if webhook_url and not re.match(r"^https://" if production else r"^https?://", webhook_url):
        errors.append(f"TELEGRAM_WEBHOOK_URL={webhook_url!r} must start with https:// "
                      "(Telegram delivers webhooks only over HTTPS)")
    if webhook_url and not telegram_token:
        errors.append("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_TOKEN is not")
    webhook_secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
    if webhook_secret and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", webhook_secret):
        errors.append("TELEGRAM_WEBHOOK_SECRET must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
    web_port = _int(env, "WEB_PORT", 8080, 1, 65535, errors)
    public_base_url = public_base_url or f"http://127.0.0.1:{web_port}"
    cors_raw = env.get("CORS_ORIGINS", "").split()
    cors_origins = tuple(cors_raw) or (f"http://127.0.0.1:{web_port}",
                                       f"http://localhost:{web_port}")
    for origin in cors_origins:
        if not re.fullmatch(r"https?://[A-Za-z0-9.:\[\]-]+", origin):
            errors.append(f"CORS_ORIGINS: {origin!r} is not an origin like "
                          "https://chat.practice.example (scheme and host, no path)")
    rasa_public_url = env.get("RASA_PUBLIC_URL", "").strip()
    if rasa_public_url and not re.match(r"^https?://", rasa_public_url):
        errors.append(f"RASA_PUBLIC_URL={rasa_public_url!r} must start with http:// or https://")
    practice_name = env.get("PRACTICE_NAME", "").strip()
    if len(practice_name) > 100:
        errors.append("PRACTICE_NAME is longer than 100 characters")
    disengaged_days = _int(env, "DISENGAGED_AFTER_DAYS", 7, 1, 365, errors)
    mail_retention_days = _int(env, "MAIL_RETENTION_DAYS", 30, 1, 3650, errors)
    erasure_grace_hours = _int(env, "ERASURE_GRACE_HOURS", 24, 0, 30 * 24, errors)
    conversation_retention_days = _int(env, "CONVERSATION_RETENTION_DAYS", 180, 1, 3650, errors)
    digest_hour = _int(env, "DIGEST_HOUR", 8, 0, 23, errors)
    if production and smtp_host and smtp_security == "plain" and smtp_user:
        errors.append("SMTP_SECURITY=plain with SMTP_USER would send the password unencrypted; "
                      "use starttls or ssl when PRODUCTION=true")
    if production:
        errors += production_problems(env, public_base_url, gp_web_url, rasa_public_url,
                                      database_url, smtp_host, smtp_security, email_clinical)

    # ---- check-ins and reminders ----
    phq9_interval_days = _int(env, "PHQ9_INTERVAL_DAYS", 14, 1, 365, errors)
    phq9_at_module_end = _bool(env, "PHQ9_AT_MODULE_END", True, errors)
    phq2_midway = _bool(env, "PHQ2_MIDWAY", True, errors)
    reminder_default_time = env.get("REMINDER_DEFAULT_TIME", "").strip() or "19:00"
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", reminder_default_time):
        errors.append(f"REMINDER_DEFAULT_TIME={reminder_default_time!r} must be HH:MM (24-hour), e.g. 19:00")
    quiet_hours = env.get("QUIET_HOURS", "").strip() or "22:00-08:00"
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", quiet_hours):
        errors.append(f"QUIET_HOURS={quiet_hours!r} must be HH:MM-HH:MM local time, e.g. 22:00-08:00")

    if errors:
        raise SettingsError("invalid configuration:\n  - " + "\n  - ".join(errors))

    return Settings(
        database_url=database_url,
        content_dir=content_dir,
        default_language=default_language,
        default_timezone=default_timezone,
        default_country=default_country,
        invite_ttl_days=invite_ttl_days,
        telegram_bot_username=username,
        public_base_url=public_base_url.rstrip("/"),
        rasa_url=rasa_url.rstrip("/"),
        action_server_port=action_port,
        rasa_port=rasa_port,
        secret_key=secret_key,
        old_secret_keys=old_secret_keys,
        log_level=log_level,
        bind_host=bind_host,
        rasa_api_token=tokens["RASA_API_TOKEN"],
        action_server_token=tokens["ACTION_SERVER_TOKEN"],
        cors_origins=cors_origins,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        smtp_security=smtp_security,
        smtp_user=smtp_user,
        smtp_password=smtp_password,
        smtp_from=smtp_from,
        email_include_clinical_detail=email_clinical,
        gp_web_port=gp_web_port,
        gp_web_url=gp_web_url.rstrip("/"),
        telegram_token=telegram_token,
        telegram_api_base_url=telegram_api,
        telegram_webhook_url=webhook_url,
        telegram_webhook_secret=webhook_secret,
        web_port=web_port,
        rasa_public_url=rasa_public_url.rstrip("/"),
        practice_name=practice_name,
        disengaged_after_days=disengaged_days,
        mail_retention_days=mail_retention_days,
        erasure_grace_hours=erasure_grace_hours,
        conversation_retention_days=conversation_retention_days,
        digest_hour=digest_hour,
        phq9_interval_days=phq9_interval_days,
        phq9_at_module_end=phq9_at_module_end,
        phq2_midway=phq2_midway,
        reminder_default_time=reminder_default_time,
        quiet_hours=quiet_hours,
        production=production,
    )
