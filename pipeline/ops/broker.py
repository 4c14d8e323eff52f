"""The broker inspector: each queue's figures from RabbitMQ's management HTTP API.

Plain urllib, so every edge may use it (the web imports no AMQP client). The broker is only a
courier: when it cannot be asked (the in-process broker, a broker without the management plugin,
an API that does not answer within ``API_TIMEOUT_SECONDS``), the figures say why
(``unavailable``) and ``teledossier status``, the operators' page and ``/metrics`` show the
database's figures of each queue only (``pipeline.ops.status``).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from pipeline.domain.queues import QUEUES
from pipeline.settings import Settings

#: Seconds to wait for the API: past that, the database's figures are shown alone.
API_TIMEOUT_SECONDS = 2.0
#: Port of the management plugin when the broker URL is all we have.
MANAGEMENT_PORT = 15672
#: The fields read, so RabbitMQ does not send every statistic of every queue.
COLUMNS = ("name,messages_ready,messages_unacknowledged,consumers,"
           "message_stats.publish_details.rate,message_stats.deliver_get_details.rate")


@dataclass(frozen=True)
class ManagementApi:
    """Where the API answers (without credentials, safe to show), who asks, for which vhost."""

    url: str
    username: str
    password: str = field(repr=False)
    vhost: str = "/"


@dataclass(frozen=True)
class QueueFigures:
    queue: str
    ready: int = 0
    #: Delivered to a worker and not acknowledged yet: the work in progress.
    unacknowledged: int = 0
    consumers: int = 0
    #: Waiting for a retry (Dramatiq's ``<queue>.DQ``) and dead letters (``<queue>.XQ``).
    delayed: int = 0
    dead: int = 0
    publish_rate: float = 0.0
    deliver_rate: float = 0.0


@dataclass(frozen=True)
class BrokerFigures:
    """Per-queue figures when the API answered; otherwise why not, in French."""

    queues: dict[str, QueueFigures] = field(default_factory=dict)
    unavailable: str = ""
    source: ManagementApi | None = None

    @property
    def known(self) -> bool:
        return not self.unavailable


def management_api(settings: Settings) -> ManagementApi | None:
    """The API of the broker in the settings; None with the in-process broker."""
    if not settings.broker_url:
        return None
    broker = urlsplit(settings.broker_url)
    path = broker.path[1:] if broker.path.startswith("/") else broker.path
    # As pika reads it: no path means the default vhost "/", written %2F in a URL.
    vhost = unquote(path) or "/"
    username, password = unquote(broker.username or "guest"), unquote(broker.password or "guest")
    if settings.rabbitmq_api_url:
        given = urlsplit(settings.rabbitmq_api_url)
        if given.username:
            username, password = unquote(given.username), unquote(given.password or "")
        host = _netloc(given.hostname or "", given.port)
        url = urlunsplit((given.scheme, host, given.path.rstrip("/") or "/api", "", ""))
    else:
        url = f"http://{_netloc(broker.hostname or 'localhost', MANAGEMENT_PORT)}/api"
    return ManagementApi(url, username, password, vhost)


def broker_figures(settings: Settings, timeout: float = API_TIMEOUT_SECONDS) -> BrokerFigures:
    """One row per queue of the flow from the API, or the reason the figures are unavailable."""
    api = management_api(settings)
    if api is None:
        return BrokerFigures(unavailable=(
            "la file de messages est intégrée au processus (TELEDOSSIER_BROKER_URL vide), "
            "elle ne se mesure pas de l'extérieur"))
    try:
        listed = _get(api, f"/queues/{quote(api.vhost, safe='')}?columns={COLUMNS}", timeout)
    except urllib.error.HTTPError as error:
        return BrokerFigures(unavailable=_http_reason(api, error), source=api)
    except (OSError, ValueError) as error:
        # URLError, timeouts and refused connections are OSErrors; bad JSON a ValueError.
        reason = getattr(error, "reason", None) or error
        return BrokerFigures(unavailable=f"l'API de gestion de RabbitMQ ({api.url}) ne répond "
                                         f"pas : {reason}", source=api)
    by_name = {item.get("name"): item for item in listed if isinstance(item, dict)}
    return BrokerFigures({queue: _figures(queue, by_name) for queue in QUEUES}, source=api)


def _figures(queue: str, by_name: dict[Any, dict[str, Any]]) -> QueueFigures:
    main = by_name.get(queue, {})
    stats = main.get("message_stats") or {}
    return QueueFigures(
        queue=queue,
        ready=int(main.get("messages_ready") or 0),
        unacknowledged=int(main.get("messages_unacknowledged") or 0),
        consumers=int(main.get("consumers") or 0),
        delayed=_depth(by_name.get(f"{queue}.DQ")),
        dead=_depth(by_name.get(f"{queue}.XQ")),
        publish_rate=float((stats.get("publish_details") or {}).get("rate") or 0.0),
        deliver_rate=float((stats.get("deliver_get_details") or {}).get("rate") or 0.0),
    )


def _depth(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return int(item.get("messages_ready") or 0) + int(item.get("messages_unacknowledged") or 0)


def _get(api: ManagementApi, path: str, timeout: float) -> Any:
    credentials = base64.b64encode(f"{api.username}:{api.password}".encode()).decode()
    request = urllib.request.Request(api.url + path, headers={
        "Authorization": f"Basic {credentials}", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        listed = json.loads(response.read())
    if not isinstance(listed, list):
        raise ValueError("réponse inattendue (une liste de files était attendue)")
    return listed


def _http_reason(api: ManagementApi, error: urllib.error.HTTPError) -> str:
    if error.code == 401:
        why = f"identifiants refusés pour « {api.username} »"
    elif error.code == 404:
        why = f"hôte virtuel « {api.vhost} » inconnu"
    else:
        why = f"erreur HTTP {error.code}"
    error.close()
    return f"l'API de gestion de RabbitMQ ({api.url}) a répondu : {why}"


def _netloc(host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host
