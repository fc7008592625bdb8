"""The pages' templates are compiled once a process, not once an app (web/templating.py):
every app the tests, the CLI and the workers make shares the compiled code."""

from __future__ import annotations

from paperfeed.settings import Settings
from paperfeed.web.templating import make_templates


def test_a_second_app_renders_without_compiling_a_template_again(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/t.db", _env_file=None)
    first = make_templates(settings).env
    names = ["base.html", "login.html"]
    for name in names:
        first.get_template(name)  # compiled (or already was, by another app)
    second = make_templates(settings).env

    def compile_again(*args, **kwargs):
        raise AssertionError("compiled again")

    second.compile = compile_again
    for name in names:
        assert second.get_template(name) is not first.get_template(name)
