"""Settings from the environment: one-machine defaults, and a bad value named at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.settings import Settings, SettingsError


def test_defaults_run_on_one_machine_with_nothing_else() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///var/teledossier.db"
    assert settings.uses_sqlite
    assert settings.var_dir == Path("var")
    assert settings.broker_url == ""
    assert settings.embedded_broker
    assert settings.smtp_url == ""
    assert settings.secret_key == ""
    assert settings.port == 8000
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.mail_domain == "teledossier.localhost"
    assert settings.stuck_after_seconds == 120
    assert settings.mail_claim_timeout_seconds == 90
    assert settings.elections_file is None


def test_only_teledossier_variables_are_read() -> None:
    settings = Settings.from_env({"DATABASE_URL": "mysql://nope", "PORT": "nope"})
    assert settings.database_url == "sqlite:///var/teledossier.db"
    assert settings.port == 8000


def test_sqlite_file_follows_the_var_dir(tmp_path: Path) -> None:
    settings = Settings.from_env({"TELEDOSSIER_VAR_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'teledossier.db'}"
    assert settings.var_dir == tmp_path


def test_public_url_defaults_to_the_port() -> None:
    settings = Settings.from_env({"TELEDOSSIER_PORT": "8123"})
    assert (settings.port, settings.public_url) == (8123, "http://127.0.0.1:8123")


def test_production_values_are_read() -> None:
    settings = Settings.from_env({
        "TELEDOSSIER_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "TELEDOSSIER_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/vhost",
        "TELEDOSSIER_SMTP_URL": "smtp://relay.demoville.fr:25",
        "TELEDOSSIER_SECRET_KEY": "s3cret",
        "TELEDOSSIER_PUBLIC_URL": "https://teledossier.demoville.fr/",
        "TELEDOSSIER_MAIL_DOMAIN": "Mairie-Demoville.FR",
        "TELEDOSSIER_PORT": " 8080 ",
        "TELEDOSSIER_STUCK_AFTER_SECONDS": "60",
    })
    assert not settings.uses_sqlite
    assert not settings.embedded_broker
    assert settings.smtp_url == "smtp://relay.demoville.fr:25"
    assert settings.secret_key == "s3cret"
    assert settings.public_url == "https://teledossier.demoville.fr"
    assert settings.mail_domain == "mairie-demoville.fr"
    assert settings.port == 8080
    assert settings.stuck_after_seconds == 60


@pytest.mark.parametrize("given", [
    "postgresql://teledossier:mot%40passe@db.demoville.fr:5432/teledossier",
    "postgres://teledossier:mot%40passe@db.demoville.fr:5432/teledossier",
    "POSTGRESQL://teledossier:mot%40passe@db.demoville.fr:5432/teledossier",
])
def test_bare_postgresql_url_is_pointed_at_psycopg_3(given: str) -> None:
    settings = Settings.from_env({"TELEDOSSIER_DATABASE_URL": given})

    assert settings.database_url == (
        "postgresql+psycopg://teledossier:mot%40passe@db.demoville.fr:5432/teledossier")
    assert not settings.uses_sqlite


def test_bare_postgresql_url_gives_a_psycopg_3_engine() -> None:
    from sqlalchemy import create_engine

    settings = Settings.from_env({"TELEDOSSIER_DATABASE_URL": "postgres://u@127.0.0.1:1/base"})

    engine = create_engine(settings.database_url)  # psycopg2 is not installed: this would fail
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_psycopg_url_is_kept_as_it_is() -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert Settings.from_env({"TELEDOSSIER_DATABASE_URL": url}).database_url == url


BAD_VALUES = [
    # ports
    ("PORT", "0"),
    ("PORT", "65536"),
    ("PORT", "-1"),
    ("PORT", "huit mille"),
    ("PORT", "80.5"),
    # database
    ("DATABASE_URL", "mysql://root@localhost/teledossier"),
    ("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1/test"),
    ("DATABASE_URL", "postgres://postgres@127.0.0.1:99999/test"),
    ("DATABASE_URL", "/var/lib/teledossier.db"),
    ("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:99999/test"),
    ("DATABASE_URL", "postgresql+psycopg://postgres@[::1/test"),
    # broker
    ("BROKER_URL", "redis://127.0.0.1:6379/0"),
    ("BROKER_URL", "amqp://guest:guest@127.0.0.1:notaport/vhost"),
    ("BROKER_URL", "127.0.0.1:5672"),
    # smtp
    ("SMTP_URL", "smtp://"),
    ("SMTP_URL", "http://relay.demoville.fr"),
    ("SMTP_URL", "smtp://relay.demoville.fr:70000"),
    ("SMTP_URL", "relay.demoville.fr:25"),
    # public url
    ("PUBLIC_URL", "ftp://teledossier.demoville.fr"),
    ("PUBLIC_URL", "https://"),
    ("PUBLIC_URL", "teledossier.demoville.fr"),
    ("PUBLIC_URL", "http://teledossier.demoville.fr:abc"),
    # mail domain
    ("MAIL_DOMAIN", "agents@demoville.fr"),
    ("MAIL_DOMAIN", "localhost"),
    ("MAIL_DOMAIN", "mairie demoville.fr"),
    # integers
    ("STUCK_AFTER_SECONDS", "2m"),
    ("STUCK_AFTER_SECONDS", "0"),
    ("RECONCILE_EVERY_SECONDS", "trente"),
    ("MAIL_CLAIM_TIMEOUT_SECONDS", "1.5"),
    ("MAX_ATTACHMENT_BYTES", "10M"),
    ("MAX_ATTACHMENT_BYTES", "12"),
    ("MAX_REQUEST_BYTES", "lots"),
    ("WORKER_THREADS", "0"),
    ("WORKER_THREADS", "1000"),
    ("WEB_THREADS", "x"),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES, ids=[f"{n}={v}" for n, v in BAD_VALUES])
def test_bad_value_raises_settings_error_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({f"TELEDOSSIER_{name}": value})
    assert f"TELEDOSSIER_{name}" in str(raised.value)


def test_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)


@pytest.mark.parametrize("name", ["PORT", "STUCK_AFTER_SECONDS", "WORKER_THREADS", "BROKER_URL",
                                  "SMTP_URL", "PUBLIC_URL", "DATABASE_URL"])
def test_empty_value_means_the_default(name: str) -> None:
    assert Settings.from_env({f"TELEDOSSIER_{name}": "  "}) == Settings.from_env({})


@pytest.mark.parametrize("name", ["MAIL_DOMAIN", "VAR_DIR"])
def test_empty_mail_domain_or_var_dir_means_the_default(name: str) -> None:
    assert Settings.from_env({f"TELEDOSSIER_{name}": ""}) == Settings.from_env({})


def test_operators_settings_default_to_derived_api_and_open_metrics() -> None:
    settings = Settings.from_env({})
    assert settings.rabbitmq_api_url == ""
    assert settings.metrics_allow == ()


def test_rabbitmq_api_url_and_metrics_networks_are_read() -> None:
    settings = Settings.from_env({
        "TELEDOSSIER_RABBITMQ_API_URL": "https://supervision:secret@rabbit.demoville.fr/api/",
        "TELEDOSSIER_METRICS_ALLOW": " 127.0.0.1/32, 10.1.2.3/8 ,, ::1 ",
    })
    assert settings.rabbitmq_api_url == "https://supervision:secret@rabbit.demoville.fr/api"
    assert [str(network) for network in settings.metrics_allow] == [
        "127.0.0.1/32", "10.0.0.0/8", "::1/128"]


@pytest.mark.parametrize(("name", "value"), [
    ("RABBITMQ_API_URL", "amqp://guest:guest@127.0.0.1:15672"),
    ("RABBITMQ_API_URL", "http://:15672/api"),
    ("METRICS_ALLOW", "127.0.0.1/32,intranet"),
    ("METRICS_ALLOW", "10.0.0.0/33"),
])
def test_bad_operators_setting_names_the_variable_in_french(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({f"TELEDOSSIER_{name}": value})
    assert f"TELEDOSSIER_{name}" in str(raised.value)
    assert "doit" in str(raised.value) or "n'est pas" in str(raised.value) \
        or "il manque" in str(raised.value)
