"""Read the installation's settings from the environment into one typed object."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

#: Prefix of every environment variable the application reads.
PREFIX = "TELEDOSSIER_"

#: An IPv4 or IPv6 network, as ``ipaddress.ip_network`` reads it.
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingsError(ValueError):
    """A setting has a value the application cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything that differs between installations."""

    database_url: str
    broker_url: str = ""
    smtp_url: str = ""
    secret_key: str = ""
    public_url: str = "http://127.0.0.1:8000"
    mail_domain: str = "teledossier.localhost"
    port: int = 8000
    var_dir: Path = Path("var")
    #: Largest attachment a citizen may send, in bytes.
    max_attachment_bytes: int = 10 * 1024 * 1024
    #: Largest API request body, in bytes (all attachments together, base64 included).
    max_request_bytes: int = 40 * 1024 * 1024
    #: A dossier whose pipeline stage has not moved for this long is sent again.
    stuck_after_seconds: int = 120
    #: How often the reconciler looks for stuck dossiers and mails.
    reconcile_every_seconds: int = 30
    #: Seconds between two passes of the workers' scheduler (digests, reminders, samples).
    schedule_every_seconds: int = 60
    #: A worker's lease on a mail it sends: the exchange with the relay ends within three
    #: quarters of it, so a claim this old is a dead worker's and the mail is taken over.
    mail_claim_timeout_seconds: int = 90
    #: A stage's work taking longer than this is interrupted, retried, then parked as failed
    #: work (each stage takes milliseconds; the SMTP exchange has its own route limit).
    stage_time_limit_seconds: int = 30
    #: Threads per worker process. Python runs one thread at a time per process: a few threads
    #: per process and one or two processes per core beat many threads (see README, Performances).
    worker_threads: int = 4
    #: Threads of the web server; requests are short, and more threads only fight over the CPU.
    web_threads: int = 4
    #: Port of a worker's /healthz and /readyz (0: none).
    health_port: int = 0
    elections_file: Path | None = None
    #: Where ``teledossier mail-gateway`` listens for replies and bounces (host:port).
    inbound_smtp: str = "127.0.0.1:2525"
    #: Largest message the gateway accepts (advertised as SMTP SIZE), in bytes.
    inbound_max_bytes: int = 10 * 1024 * 1024
    #: Certificate and key (PEM files) for STARTTLS on the inbound server; none: no STARTTLS.
    inbound_tls_cert: Path | None = None
    inbound_tls_key: Path | None = None
    #: A mailbox to poll for replies (``imaps://user:pass@host/INBOX``); empty: none.
    imap_url: str = ""
    #: IMAP IDLE is re-issued this often (servers drop idle clients after 30 minutes).
    imap_idle_seconds: int = 600
    #: Act on a reply only with a DMARC pass in an Authentication-Results from ``authserv_id``.
    require_dmarc_pass: bool = False
    authserv_id: str = ""
    #: Largest document an agent deposits for the citizen (the seed's 1024 Ko), in bytes.
    max_deposit_bytes: int = 1024 * 1024
    #: RabbitMQ's management HTTP API (``http://host:15672/api``); empty: derived from the
    #: broker URL (same host, credentials and vhost, port 15672).
    rabbitmq_api_url: str = ""
    #: Networks allowed to read ``/metrics``; empty: everyone (the figures are aggregate only).
    metrics_allow: tuple[IPNetwork, ...] = ()
    #: Reverse proxies in front of the web server whose X-Forwarded-For and X-Forwarded-Proto
    #: are believed (0: none, the client is whoever connects).
    proxy_hops: int = 0
    #: A session ends this long after its login, however active (besides 8 hours idle).
    session_max_hours: int = 12
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def embedded_broker(self) -> bool:
        """True when messages travel inside the process instead of through RabbitMQ."""
        return not self.broker_url

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build the settings from ``TELEDOSSIER_*`` variables; a bad value raises SettingsError."""
        env = dict(os.environ if environ is None else environ)

        def get(name: str, default: str = "") -> str:
            return env.get(PREFIX + name, default).strip()

        var_dir = Path(get("VAR_DIR") or "var")
        database_url = _psycopg(get("DATABASE_URL") or f"sqlite:///{var_dir / 'teledossier.db'}")
        _check_url("DATABASE_URL", database_url,
                   ("sqlite", "postgresql+psycopg", *BARE_POSTGRESQL_SCHEMES))
        broker_url = get("BROKER_URL")
        if broker_url:
            _check_url("BROKER_URL", broker_url, ("amqp", "amqps"))
        smtp_url = get("SMTP_URL")
        if smtp_url:
            _check_url("SMTP_URL", smtp_url, ("smtp", "smtps", "smtp+starttls"), need_host=True)
        public_url = get("PUBLIC_URL")
        port = _int(get, "PORT", 8000, 1, 65535)
        if public_url:
            _check_url("PUBLIC_URL", public_url, ("http", "https"), need_host=True)
        else:
            public_url = f"http://127.0.0.1:{port}"
        mail_domain = get("MAIL_DOMAIN") or "teledossier.localhost"
        if not mail_domain or "@" in mail_domain or " " in mail_domain or "." not in mail_domain:
            raise SettingsError(
                f"{PREFIX}MAIL_DOMAIN={mail_domain!r} n'est pas un nom de domaine "
                "(exemple : mairie-demoville.fr)"
            )
        elections = get("ELECTIONS_FILE")
        inbound_smtp = get("INBOUND_SMTP") or "127.0.0.1:2525"
        _check_host_port("INBOUND_SMTP", inbound_smtp)
        imap_url = get("IMAP_URL")
        if imap_url:
            _check_url("IMAP_URL", imap_url, ("imap", "imaps", "imap+starttls"), need_host=True)
        tls_cert, tls_key = get("INBOUND_TLS_CERT"), get("INBOUND_TLS_KEY")
        if bool(tls_cert) != bool(tls_key):
            raise SettingsError(f"{PREFIX}INBOUND_TLS_CERT et {PREFIX}INBOUND_TLS_KEY "
                                "vont ensemble : donnez les deux ou aucun")
        require_dmarc = _bool(get, "REQUIRE_DMARC_PASS")
        authserv_id = get("AUTHSERV_ID")
        if require_dmarc and not authserv_id:
            raise SettingsError(f"{PREFIX}REQUIRE_DMARC_PASS demande {PREFIX}AUTHSERV_ID : le nom "
                                "que votre serveur de courrier met dans Authentication-Results")
        rabbitmq_api_url = get("RABBITMQ_API_URL")
        if rabbitmq_api_url:
            _check_url("RABBITMQ_API_URL", rabbitmq_api_url, ("http", "https"), need_host=True)
        return cls(
            database_url=database_url,
            broker_url=broker_url,
            smtp_url=smtp_url,
            secret_key=get("SECRET_KEY"),
            public_url=public_url.rstrip("/"),
            mail_domain=mail_domain.lower(),
            port=port,
            var_dir=var_dir,
            max_attachment_bytes=_int(get, "MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024, 1024),
            max_request_bytes=_int(get, "MAX_REQUEST_BYTES", 40 * 1024 * 1024, 1024),
            stuck_after_seconds=_int(get, "STUCK_AFTER_SECONDS", 120, 1),
            reconcile_every_seconds=_int(get, "RECONCILE_EVERY_SECONDS", 30, 1),
            schedule_every_seconds=_int(get, "SCHEDULE_EVERY_SECONDS", 60, 1),
            mail_claim_timeout_seconds=_int(get, "MAIL_CLAIM_TIMEOUT_SECONDS", 90, 1),
            stage_time_limit_seconds=_int(get, "STAGE_TIME_LIMIT_SECONDS", 30, 1, 3600),
            worker_threads=_int(get, "WORKER_THREADS", 4, 1, 256),
            web_threads=_int(get, "WEB_THREADS", 4, 1, 256),
            health_port=_int(get, "HEALTH_PORT", 0, 0, 65535),
            elections_file=Path(elections) if elections else None,
            inbound_smtp=inbound_smtp,
            inbound_max_bytes=_int(get, "INBOUND_MAX_BYTES", 10 * 1024 * 1024, 1024),
            inbound_tls_cert=Path(tls_cert) if tls_cert else None,
            inbound_tls_key=Path(tls_key) if tls_key else None,
            imap_url=imap_url,
            imap_idle_seconds=_int(get, "IMAP_IDLE_SECONDS", 600, 5, 1740),
            require_dmarc_pass=require_dmarc,
            authserv_id=authserv_id.lower(),
            max_deposit_bytes=_int(get, "MAX_DEPOSIT_BYTES", 1024 * 1024, 1024),
            rabbitmq_api_url=rabbitmq_api_url.rstrip("/"),
            metrics_allow=_networks("METRICS_ALLOW", get("METRICS_ALLOW")),
            proxy_hops=_int(get, "PROXY_HOPS", 0, 0, 5),
            session_max_hours=_int(get, "SESSION_MAX_HOURS", 12, 1, 24 * 30),
        )

    @property
    def inbound_address(self) -> tuple[str, int]:
        host, _, port = self.inbound_smtp.rpartition(":")
        return host.strip("[]"), int(port)


#: Schemes that name PostgreSQL without a driver (SQLAlchemy would pick psycopg2, not installed).
BARE_POSTGRESQL_SCHEMES = ("postgresql", "postgres")


def _psycopg(url: str) -> str:
    """Point a bare ``postgresql://`` or ``postgres://`` address at psycopg 3, the one shipped."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme.lower() in BARE_POSTGRESQL_SCHEMES:
        return f"postgresql+psycopg://{rest}"
    return url


def _int(get, name: str, default: int, low: int, high: int | None = None) -> int:
    raw = get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}={raw!r} doit être un nombre entier") from None
    if value < low or (high is not None and value > high):
        bounds = f"entre {low} et {high}" if high is not None else f"au moins {low}"
        raise SettingsError(f"{PREFIX}{name}={raw!r} doit être {bounds}")
    return value


def _bool(get, name: str) -> bool:
    raw = get(name).lower()
    if raw in ("", "0", "false", "non", "no"):
        return False
    if raw in ("1", "true", "oui", "yes"):
        return True
    raise SettingsError(f"{PREFIX}{name}={raw!r} doit valoir 1 (oui) ou 0 (non)")


def _networks(name: str, raw: str) -> tuple[IPNetwork, ...]:
    """Comma-separated networks (``10.0.0.0/8``) or addresses (``127.0.0.1``, a /32)."""
    networks = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        try:
            # strict=False: 10.1.2.3/8 means the network it belongs to, as firewalls read it.
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingsError(f"{PREFIX}{name} : « {item} » n'est pas une adresse ou un réseau "
                                "IP (exemple : 127.0.0.1/32,10.0.0.0/8)") from None
    return tuple(networks)


def _check_host_port(name: str, value: str) -> None:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(f"{PREFIX}{name}={value!r} : attendu hôte:port, "
                            "par exemple 127.0.0.1:2525 ou 0.0.0.0:25")


def _check_url(name: str, url: str, schemes: tuple[str, ...], need_host: bool = False) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as error:
        raise SettingsError(f"{PREFIX}{name}: adresse illisible ({error})") from error
    if parts.scheme not in schemes:
        raise SettingsError(
            f"{PREFIX}{name}={url!r} : le schéma doit être l'un de {', '.join(schemes)}"
        )
    if need_host and not parts.hostname:
        raise SettingsError(f"{PREFIX}{name}={url!r} : il manque le nom d'hôte")
