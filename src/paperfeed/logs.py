"""Log output: human-readable text (the default) or one JSON object per line
(``PAPERFEED_LOG_FORMAT=json``, with python-json-logger) for a log collector.

JSON lines carry ``time``, ``level``, ``logger``, ``message`` and ``pid``, plus, for
uvicorn's access log, ``client``, ``method``, ``path``, ``http_version`` and ``status`` as
fields of their own, so they can be queried without parsing the message.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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
        "filters": {"access_fields": {"()": AccessFields}},
        "formatters": {"main": formatter},
        "handlers": {
            "main": {
                "class": "logging.StreamHandler",
                "formatter": "main",
                "stream": "ext://sys.stderr",
                "filters": ["access_fields"],
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
