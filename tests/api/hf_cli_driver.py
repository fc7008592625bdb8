"""Run several ``hf`` commands of huggingface_hub's real CLI in one interpreter.

Started as a subprocess by tests/api/test_hf_cli.py with ``HF_ENDPOINT`` pointing at a live
instance: the CLI's entry point (``huggingface_hub.cli.hf:main``, what the ``hf`` script
runs) is called once per command line, so the interpreter and the CLI's imports are paid
once (~1 s each under load) instead of once a command. Reads a JSON list of argument lists
on stdin; writes a JSON list of ``{"argv", "code", "stdout", "stderr"}`` on stdout.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys

from huggingface_hub.cli.hf import main


def run(argv: list[str]) -> dict:
    out, err = io.StringIO(), io.StringIO()
    sys.argv = ["hf", *argv]
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        except Exception as exc:  # noqa: BLE001 - a crash of the CLI is reported, not raised
            code, _ = -1, err.write(repr(exc))
    return {"argv": argv, "code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


if __name__ == "__main__":
    results = [run(argv) for argv in json.load(sys.stdin)]
    sys.__stdout__.write(json.dumps(results))
