"""Settings read from the environment (PERCORSI_*), with defaults for the embedded setup."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from engine.errors import ConfigurationError

DEFAULT_INSTANCE = Path("instance")


@dataclass(frozen=True)
class Settings:
    """Everything the engine, the scheduler and the web app are configured by."""

    database_url: str = f"sqlite:///{DEFAULT_INSTANCE / 'percorsi.db'}"
    max_upload_bytes: int = 2 * 1024 * 1024
    script_time_limit: float = 2.0  # seconds of model code per evaluation and per command
    script_memory_mb: int = 256  # address space a model-code worker may add to its own
    script_workers: int = 2  # idle model-code worker processes kept for reuse
    reference_prefix: str = "CR"
    base_url: str = "http://127.0.0.1:5000"
    secret_key: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_tls: bool = False
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "percorsi@localhost"
    smtp_timeout: float = 10.0
    outbox_max_attempts: int = 10
    outbox_backoff_seconds: float = 60.0
    escalation_ladder: str = "P0D:notify_assignee,P3D:notify_coordinators,P7D:review_task"
    # Restricted cases (the violence pathway) have no legal deadlines: reminders only.
    restricted_escalation_ladder: str = "P0D:notify_assignee,P7D:notify_assignee"
    message_ttl_days: int = 30
    # Who may open a case of a restricted pathway (the violence pathway): the CAV and the
    # social service of the Comune and of ASC (DOMAIN.md), as organisation codes.
    restricted_openers: str = "cav_aida,comune_cremona,azienda_sociale_cremonese"
    sql_echo: bool = False
    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto/-Host (0: none, the
    # client's address is the socket's). Only trust what your own proxies set.
    proxy_hops: int = 0
    # OIDC login (e.g. a SPID/CIE gateway): shown only when a client id and an issuer are set
    oidc_metadata_url: str = ""
    oidc_authorize_url: str = ""
    oidc_token_url: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scope: str = "openid email profile"
    oidc_label: str = ""
    # Operating it: the server, logs, metrics, retention (OPERATING.md)
    workers: int = 1  # web worker processes of `percorsi serve`
    threads: int = 8  # threads per web worker
    log_format: str = "json"  # json (one JSON object per line) or text
    log_level: str = "info"
    metrics_token: str = ""  # `Authorization: Bearer <token>` opens /metrics
    metrics_allow: str = ""  # addresses or networks that may read /metrics without a token
    metrics_cache_seconds: float = 10.0  # database counts are read at most this often
    retention_period: str = "P10Y"  # after closure, unless the pathway sets `retentionPeriod`
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from PERCORSI_* variables; unknown or malformed values raise."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = env.get(f"PERCORSI_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _coerce(f.name, raw, type(getattr(cls(), f.name)))
        values.update(overrides)
        return replace(cls(), **values)

    @property
    def oidc_enabled(self) -> bool:
        """True when an OIDC provider is configured (discovery URL or explicit endpoints)."""
        return bool(self.oidc_client_id and (self.oidc_metadata_url or self.oidc_authorize_url))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _coerce(name: str, raw: str, kind: type) -> Any:
    """Turn one environment string into the field's type, naming the variable on failure."""
    try:
        if kind is bool:
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        return kind(raw)
    except ValueError as exc:
        raise ConfigurationError(
            f"PERCORSI_{name.upper()}={raw!r} is not a valid {kind.__name__}"
        ) from exc
