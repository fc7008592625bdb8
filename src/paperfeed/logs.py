"""Log output: human-readable text (the default) or one JSON object per line
(``PAPERFEED_LOG_FORMAT=json``, with python-json-logger) for a log collector.

JSON lines carry ``time``, ``level``, ``logger``, ``message`` and ``pid``, plus, for
uvicorn's access log, ``client``, ``method``, ``path``, ``http_version`` and ``status`` as
fields of their own, so they can be queried without parsing the message.

Secrets in URLs never reach a log line: the values of query parameters that carry them
(``token=`` of the reset, confirmation and unsubscribe links, and the like) and anything shaped
like an API token are replaced by ``[redacted]`` (:func:`redact`), in text and JSON alike.
"""

from __future__ import annotations

import logging
import logging.config
import re
from typing import Any

JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


REDACTED = "[redacted]"
# A query parameter whose value is a credential, and an API token (pf_ + 43 characters) anywhere.
_SECRET_PARAM = re.compile(
    r"([?&;](?:[\w.-]*token|key|api_key|password|secret|signature|sig|code)=)[^&;#\s\"']*",
    re.IGNORECASE,
)
_API_TOKEN = re.compile(r"\bpf_[A-Za-z0-9_-]{20,}")


def redact(text: str) -> str:
    """``text`` (a URL, or a log message holding one) with its secrets replaced."""
    if "=" not in text and "pf_" not in text:
        return text
    return _API_TOKEN.sub(REDACTED, _SECRET_PARAM.sub(r"\1" + REDACTED, text))


class RedactSecrets(logging.Filter):
    """Redact the message and string arguments of every record (uvicorn's access log passes
    the request's path and query string as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class AccessFields(logging.Filter):
    """Copy uvicorn's access-log arguments into fields of their own."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            client, method, path, http_version, status = args
            record.client = client
            record.method = method
            record.path = path
            record.http_version = http_version
            record.status = status
        return True


def _json_formatter() -> dict[str, Any]:
    return {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": JSON_FIELDS,
        "rename_fields": RENAMED,
        "timestamp": False,
    }


def log_config(fmt: str, level: str = "INFO") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` for a process: the app's loggers and uvicorn's
    (error and access) all write to stderr in ``fmt`` ("text" or "json")."""
    formatter = _json_formatter() if fmt == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactSecrets}, "access_fields": {"()": AccessFields}},
        "formatters": {"main": formatter},
        "handlers": {
            "main": {
                "class": "logging.StreamHandler",
                "formatter": "main",
                "stream": "ext://sys.stderr",
                "filters": ["redact", "access_fields"],  # redact first: fields are copies
            }
        },
        "root": {"handlers": ["main"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": [], "level": "INFO", "propagate": True},
        },
    }


def configure_logging(fmt: str, level: str = "INFO") -> None:
    """Set up this process's logging (for long-running commands: serve, worker)."""
    logging.config.dictConfig(log_config(fmt, level))
