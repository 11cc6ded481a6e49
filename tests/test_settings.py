from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.settings import SettingsError, load_settings


def test_defaults_are_embedded_sqlite() -> None:
    s = load_settings({})
    assert s.database_url.startswith("sqlite:///")
    assert s.database_url.endswith("var/bot.db")
    assert s.default_timezone == "Europe/Oslo"
    assert s.invite_ttl_days == 14


def test_postgres_url_accepted() -> None:
    s = load_settings({"DATABASE_URL": "postgresql://u@127.0.0.1:5432/x"})
    assert s.database_url == "postgresql://u@127.0.0.1:5432/x"


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL='mysql://x' is not supported"),
        ({"INVITE_TTL_DAYS": "soon"}, "INVITE_TTL_DAYS='soon' is not a whole number"),
        ({"INVITE_TTL_DAYS": "0"}, "INVITE_TTL_DAYS=0 is out of range"),
        ({"DEFAULT_TIMEZONE": "Mars/Base"}, "DEFAULT_TIMEZONE='Mars/Base' is not a known IANA timezone"),
        ({"RASA_PORT": "99999"}, "RASA_PORT=99999 is out of range"),
        ({"PRODUCTION": "true"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be a random value of at least 32"),
        ({"SECRET_KEY": "dev-only-insecure-secret-change-me"}, "SECRET_KEY must be a random"),
        ({"BIND_HOST": "0.0.0.0; rm"}, "BIND_HOST='0.0.0.0; rm'"),
        ({"RASA_API_TOKEN": "abc"}, "RASA_API_TOKEN must be 24-256 characters"),
        ({"ACTION_SERVER_TOKEN": "x" * 10}, "ACTION_SERVER_TOKEN must be 24-256"),
        ({"CORS_ORIGINS": "*"}, "CORS_ORIGINS: '*' is not an origin"),
        ({"PRODUCTION": "maybe"}, "PRODUCTION='maybe' is not a yes/no value"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD'"),
        ({"CONTENT_DIR": "/nonexistent/x"}, "CONTENT_DIR='/nonexistent/x' is not a directory"),
    ],
)
def test_bad_values_are_named(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(env)
    assert fragment in str(err.value)


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({"RASA_PORT": "x", "LOG_LEVEL": "LOUD"})
    assert "RASA_PORT" in str(err.value) and "LOG_LEVEL" in str(err.value)


def test_env_example_documents_every_variable() -> None:
    import re
    from pathlib import Path

    source = Path("bot/core/settings.py").read_text()
    used = set(re.findall(r'"([A-Z][A-Z0-9_]+)"', source)) - {"INFO", "DEBUG", "WARNING", "ERROR", "NO"}
    example = Path(".env.example").read_text()
    readme = Path("README.md").read_text()
    for name in used:
        assert f"{name}=" in example, f"{name} missing from .env.example"
        assert f"`{name}`" in readme, f"{name} missing from the README's table"


def test_without_secret_key_a_random_one_is_made_once_and_kept_private(tmp_path: Path) -> None:
    from bot.core.settings import local_secret

    first = local_secret("secret_key", tmp_path)
    assert len(first) >= 32 and local_secret("secret_key", tmp_path) == first
    assert local_secret("other", tmp_path) != first
    assert (tmp_path / "secrets" / "secret_key").stat().st_mode & 0o077 == 0
    assert list((tmp_path / "secrets").glob(".*")) == []  # no temporary file left


def test_servers_listen_on_localhost_and_allow_only_the_web_page_by_default() -> None:
    s = load_settings({})
    assert s.bind_host == "127.0.0.1"
    assert s.cors_origins == ("http://127.0.0.1:8080", "http://localhost:8080")
    assert s.rasa_api_token == "" and s.action_server_token == ""


PRODUCTION_OK = {"PRODUCTION": "true", "SECRET_KEY": "k" * 8 + "Zq3-x9_Lm2vB7nR4tY6wE1aS5dF8gH0j",
                 "PUBLIC_BASE_URL": "https://chat.practice.example",
                 "GP_WEB_URL": "https://gp.practice.example",
                 "RASA_PUBLIC_URL": "https://chat.practice.example",
                 "CORS_ORIGINS": "https://chat.practice.example",
                 "DATABASE_URL": "postgresql://bot@db.practice.example/bot?sslmode=verify-full"}


def test_a_production_configuration_that_is_safe_is_accepted() -> None:
    s = load_settings(PRODUCTION_OK)
    assert s.production and s.database_url.endswith("sslmode=verify-full")
    # A database on the same machine (or a socket) needs no TLS.
    assert load_settings({**PRODUCTION_OK, "DATABASE_URL": "postgresql://bot@127.0.0.1/bot"})


@pytest.mark.parametrize(("change", "fragment"), [
    ({"PUBLIC_BASE_URL": "http://chat.practice.example"}, "PUBLIC_BASE_URL='http://chat"),
    ({"GP_WEB_URL": "http://gp.practice.example"}, "GP_WEB_URL='http://gp"),
    ({"RASA_PUBLIC_URL": "http://chat.practice.example:5005"}, "RASA_PUBLIC_URL="),
    ({"DATABASE_URL": "postgresql://bot@db.practice.example/bot"},
     "DATABASE_URL connects to db.practice.example without TLS"),
    ({"DATABASE_URL": "postgresql://bot@db.practice.example/bot?sslmode=prefer"}, "without TLS"),
    ({"TRACKER_URL": "postgresql://bot@db.practice.example/tracker"}, "TRACKER_URL connects"),
    ({"SMTP_HOST": "mail.practice.example", "EMAIL_INCLUDE_CLINICAL_DETAIL": "true"},
     "EMAIL_INCLUDE_CLINICAL_DETAIL=true with SMTP_SECURITY=plain"),
    ({"RASA_PUBLIC_URL": ""}, "RASA_PUBLIC_URL must be set"),
    ({"CORS_ORIGINS": ""}, "CORS_ORIGINS must be set"),
])
def test_production_refuses_what_would_leak_patient_data(change: dict[str, str],
                                                          fragment: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({**PRODUCTION_OK, **change})
    assert fragment in str(err.value)
    load_settings({k: v for k, v in {**PRODUCTION_OK, **change}.items() if k != "PRODUCTION"
                   and k != "SECRET_KEY"})  # the same outside production: accepted


def test_the_rest_channel_is_off_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.rasa.channels import rest

    for key, value in PRODUCTION_OK.items():
        monkeypatch.setenv(key, value)
    assert rest.production() is True
    monkeypatch.setenv("PRODUCTION", "false")
    assert rest.production() is False
    monkeypatch.setenv("PRODUCTION", "maybe")  # a broken configuration: closed
    assert rest.production() is True


@pytest.mark.parametrize("production", [True, False])
async def test_the_rest_webhook_answers_only_outside_production(
        monkeypatch: pytest.MonkeyPatch, production: bool) -> None:
    import json
    import types

    from bot.rasa.channels.rest import RestInput

    for key, value in PRODUCTION_OK.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PRODUCTION", "true" if production else "false")
    heard = []

    async def on_new_message(message: object) -> None:
        heard.append(message)

    bp = RestInput().blueprint(on_new_message)
    routes = {route.uri: route.handler for route in bp._future_routes}
    request = types.SimpleNamespace(body=json.dumps({"sender": "p1", "message": "hi"}).encode())
    if production:
        assert set(routes) == {"/<_path:path>"}  # nothing but the refusal
        resp = await routes["/<_path:path>"](request, "webhook")
        assert resp.status == 404 and b"off in production" in resp.body
    else:
        resp = await routes["/webhook"](request)
        assert resp.status == 200 and len(heard) == 1


def test_a_rasa_token_that_starts_with_a_dash_reaches_rasa_whole() -> None:
    """token_urlsafe() starts with "-" once in 64 runs; rasa run took it for an option
    and refused to start ("expected one argument"), seen on a full run."""
    from dataclasses import replace

    from rasa.__main__ import create_argument_parser

    from bot.rasa.server import rasa_argv

    token = "-" + "x" * 40
    settings = replace(load_settings({}), rasa_api_token=token)
    args = create_argument_parser().parse_args(rasa_argv(settings, "m.tar.gz", "e.yml",
                                                         "c.yml")[1:])
    assert args.auth_token == token
