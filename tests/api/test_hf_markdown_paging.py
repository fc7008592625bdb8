"""Papers as Markdown and paging like Hugging Face (issue 17 items 2 and 4), read through
the real ``huggingface_hub`` client and plain HTTP from one live instance per backend.

- ``HfApi.read_paper`` (``GET /papers/{id}.md``) and ``Accept: text/markdown`` on
  ``/papers/{id}``: the same document; the response cache keeps the HTML and Markdown
  variants apart; unknown ids are a 404 in the API's JSON shape.
- ``Link: <...>; rel="next"`` on ``/api/daily_papers``, ``/api/papers/search`` and
  ``/api/papers``, followed to the end by ``huggingface_hub``'s own ``paginate``; absolute
  URLs from ``base_url``, never from the Host header.
- bad ``p``, ``limit``, dates, weeks and months: a 400 in HF's error shape.
"""

from __future__ import annotations

import httpx
import pytest
from live_instance import BACKENDS, HF_PAPERS, live_instance

hf = pytest.importorskip("huggingface_hub")
pytestmark = pytest.mark.xdist_group("hf_markdown_paging")  # one worker: one live instance


@pytest.fixture(scope="module", params=BACKENDS)
def instance(request, tmp_path_factory):
    with live_instance(request, request.param, HF_PAPERS, tmp_path_factory.mktemp("md")) as it:
        yield it


@pytest.fixture(scope="module")
def api(instance):
    return hf.HfApi(endpoint=instance.url, token=False)


def test_read_paper_returns_the_papers_markdown(api, instance):
    text = api.read_paper("2611.00042")
    head, _, rest = text.partition("\n\n")
    # math kept as the author's TeX, text-mode LaTeX as Unicode, markup escaped
    assert head == "# MVD$^2$: naïve attention \\<b\\>again\\</b\\>"
    assert "**Authors:** Ada Lovelace, Alan Turing" in rest
    assert "**Published:** 2026-11-19" in rest
    assert "**Daily papers:** 2026-11-20 (submitted by akhaliq)" in rest
    assert "**Upvotes:** 7" in rest and "**Comments:** 3" in rest
    assert "- arXiv: <https://arxiv.org/abs/2611.00042>\n" in text
    assert "- PDF: <https://arxiv.org/pdf/2611.00042>\n" in text
    assert "- Code (12 stars): <https://github.com/x/y>\n" in text
    assert "- Project page: <https://x.github.io/y>\n" in text
    assert "- DOI: <https://doi.org/10.1000/xyz_1>\n" in text
    assert f"- Paper page: <{instance.url}/papers/2611.00042>\n" in text
    abstract = text.split("## Abstract\n\n", 1)[1]
    assert abstract == (
        "We show $\\mathcal{O}(n^2)$ – \\*really\\* – costs \\$5 \\[x\\](javascript:alert(1)).\n\n"
        "Second paragraph: \\<script\\>alert(1)\\</script\\> at https://example.org/a_b.\n"
    )
    assert "## Full text" not in text  # none fetched: the abstract-only document
    assert api.read_paper("2611.00042v3") == text  # a version is the paper


def test_markdown_is_also_served_for_accept_text_markdown(instance):
    md = httpx.get(f"{instance.url}/papers/2611.00042.md")
    assert md.status_code == 200
    assert md.headers["content-type"] == "text/markdown; charset=utf-8"
    asked = {"Accept": "text/markdown, text/html;q=0.9, */*;q=0.8"}
    # Markdown, HTML, Markdown again, HTML again: the cache serves each its own variant
    for accept, kind in [(asked, "markdown"), ({}, "html"), (asked, "markdown"), ({}, "html")]:
        r = httpx.get(f"{instance.url}/papers/2611.00042", headers=accept)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith(f"text/{kind}")
        assert r.headers["vary"] == "Accept"
        if kind == "markdown":
            assert r.text == md.text
        else:
            assert "<html" in r.text and "</papers/2611.00042.md>" in r.headers["link"]
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    r = httpx.get(f"{instance.url}/papers/2611.00042", headers=browser)
    assert r.headers["content-type"].startswith("text/html")


def test_unknown_paper_markdown_is_a_json_404(instance):
    r = httpx.get(f"{instance.url}/papers/2611.09999.md")
    assert r.status_code == 404
    assert r.json() == {"ok": False, "error": "No paper with arXiv id '2611.09999'", "status": 404}
    asked = httpx.get(f"{instance.url}/papers/2611.09999", headers={"Accept": "text/markdown"})
    assert asked.status_code == 404 and asked.json() == r.json()


def test_a_paper_on_no_feed_has_its_markdown_too(instance):
    r = httpx.get(f"{instance.url}/papers/2611.00099v2.md")
    assert r.status_code == 200 and r.text.startswith("# Not on the feed\n")
    assert "Daily papers" not in r.text


def test_read_paper_of_an_unknown_id_raises_the_clients_404(api):
    with pytest.raises(hf.errors.HfHubHTTPError) as raised:
        api.read_paper("2611.09999")
    assert raised.value.response.status_code == 404


def _ids(items: list[dict]) -> list[str]:
    return [i["paper"]["id"] if "paper" in i else i["id"] for i in items]


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        (
            "/api/daily_papers",
            {"week": "2026-W47", "limit": 2},
            ["2611.00042", "2611.00004", "2611.00003", "2611.00002", "2611.00001"],
        ),
        (
            "/api/daily_papers",
            {"submitter": "ada", "sort": "upvotes", "limit": 1},
            ["2611.00005", "2611.00003", "2611.00001", "2610.00001"],
        ),
        ("/api/papers/search", {"q": "experts", "mode": "keyword", "limit": 2}, None),
        ("/api/papers", {"limit": 3}, None),
    ],
)
def test_link_next_is_followed_to_the_last_page_by_hf_paginate(instance, path, params, expected):
    from huggingface_hub.utils import paginate

    items = list(paginate(instance.url + path, params, {}))
    everything = httpx.get(instance.url + path, params={**params, "limit": 100}).json()
    assert _ids(items) == _ids(everything)  # every page once, in order, and nothing more
    if expected is not None:
        assert _ids(items) == expected
    pages, url, query = 0, instance.url + path, params
    while url:
        r = httpx.get(url, params=query)
        pages, query = pages + 1, None
        link = r.headers.get("link")
        assert link is None or (
            link.startswith(f"<{instance.url}{path}?") and link.endswith('>; rel="next"')
        )  # absolute, on this instance
        url = link[1:].split(">;")[0] if link else None
    assert pages == -(-len(everything) // params["limit"])  # the last page names none


def test_link_is_built_from_base_url_not_the_host_header(instance):
    params = {"week": "2026-W47", "limit": 2}
    r = httpx.get(
        f"{instance.url}/api/daily_papers", params=params, headers={"Host": "attacker.example"}
    )
    assert r.status_code == 200
    assert r.headers["link"] == (
        f'<{instance.url}/api/daily_papers?week=2026-W47&sort=publishedAt&p=1&limit=2>; rel="next"'
    )
    last = httpx.get(f"{instance.url}/api/daily_papers", params={**params, "p": 2})
    assert "link" not in last.headers and len(last.json()) == 1


def test_limit_above_the_maximum_is_capped_and_paging_goes_on(instance):
    r = httpx.get(f"{instance.url}/api/daily_papers", params={"limit": 10**30})
    assert r.status_code == 200 and len(r.json()) == 7 and "link" not in r.headers


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"p": "-1"}, "✖ Too small: expected number to be >=0\n  → at p"),
        ({"p": "1.5"}, "✖ Invalid input: expected int, received number\n  → at p"),
        ({"p": "100001"}, "✖ Too big: expected number to be <=100000\n  → at p"),
        ({"limit": "0"}, "✖ Too small: expected number to be >=1\n  → at limit"),
        ({"limit": "many"}, "✖ Invalid input: expected number, received NaN\n  → at limit"),
        (
            {"date": "2026-13-01"},
            "✖ invalid date '2026-13-01'; expected e.g. 2026-11-21\n  → at date",
        ),
        ({"week": "2026-47"}, "✖ invalid week '2026-47'; expected e.g. 2026-W47\n  → at week"),
        ({"month": "2026-13"}, "✖ invalid month '2026-13'; expected e.g. 2026-11\n  → at month"),
    ],
)
def test_bad_parameters_are_a_400_in_hfs_shape(api, params, error):
    with pytest.raises(hf.errors.HfHubHTTPError) as raised:
        list(api.list_daily_papers(**{k: v for k, v in params.items()}))
    response = raised.value.response
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": error, "status": 400}


def test_a_timestamp_is_read_as_its_day_as_on_hf(api):
    papers = list(api.list_daily_papers(date="2026-11-20T00:00:00.000Z"))
    assert [p.id for p in papers] == ["2611.00042"]
