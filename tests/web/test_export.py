from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest

from search.index.outbox import enqueue
from search.store.models import Article
from search.web.export import COLUMNS, neutralise
from tests.conftest import import_into_db

pytestmark = pytest.mark.django_db


def export(client, params) -> tuple[list[dict[str, str]], object]:
    response = client.get("/export.csv", params)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    return rows, response


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "chechnya"},
        {"q": "chechnya", "sort": "date"},
        {"q": "visas", "sort": "oldest"},
        {"q": '"State Department" OR Linkevicius'},
        {"outlet": "The Independent"},
        {"from": "2017-05-01", "to": "2017-05-19"},
        {"undated": "1", "q": "gay"},
    ],
)
def test_export_equals_search(client, seeds, params):
    rows, response = export(client, params)
    api = client.get("/api/search", params).json()
    pages = [api]
    for number in range(2, api["pages"] + 1):
        pages.append(client.get("/api/search", {**params, "page": number}).json())
    ids = [hit["id"] for page in pages for hit in page["hits"]]
    assert [int(r["id"]) for r in rows] == ids
    assert response["X-Total-Count"] == str(api["total"]) == str(len(rows))


def test_export_columns_and_filename(client, seeds):
    rows, response = export(client, {"q": "Linkevicius", "sort": "date"})
    assert list(rows[0]) == COLUMNS
    first = rows[0]
    assert first["outlet"] == "The Independent" and first["published"] == "2017-05-20"
    assert first["authors"] == "Greg Wilford"
    assert "Linas Linkevičius" in first["actors"].split("; ")
    assert first["article_url"].endswith(f"/articles/{seeds['002'].pk}/")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="newsindex-linkevicius-') and disposition.endswith('.csv"')


def test_export_page_links_carry_parameters(client, seeds):
    html = client.get("/", {"q": "visas", "sort": "date", "page": "1"}).content.decode()
    assert 'href="/export.csv?q=visas&amp;sort=date"' in html
    assert "Download CSV (5 rows)" in html


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://evil\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_injection_neutralised(value):
    assert neutralise(value) == "'" + value


def test_formula_cells_in_real_export(client, tmp_path, backend):
    (tmp_path / "f.txt").write_text("=cmd|'/c calc'!A1\n\nBody about Chechnya and formulas.")
    import_into_db(tmp_path)
    rows, _ = export(client, {"q": "formulas"})
    assert rows[0]["title"] == "'=cmd|'/c calc'!A1"


def test_hidden_articles_not_exported(client, seeds):
    Article.objects.filter(pk=seeds["002"].pk).update(hidden=True)
    enqueue([seeds["002"].pk])
    from django.core.management import call_command

    call_command("run_index_worker", "--once")
    rows, _ = export(client, {})
    assert str(seeds["002"].pk) not in {r["id"] for r in rows}
    assert len(rows) == 4


def test_article_api(client, seeds):
    data = client.get(f"/api/articles/{seeds['002'].pk}").json()
    assert data["ok"] and data["outlet"] == "The Independent" and data["published"] == "2017-05-20"
    assert data["paragraphs"][0].startswith("A brutal crackdown")
    assert any(a["name"] == "Theresa May" and a["kind"] == "person" for a in data["actors"])
    missing = client.get("/api/articles/999999")
    assert missing.status_code == 404 and missing.json() == {"ok": False, "error": "No article with id 999999", "status": 404}


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
def test_export_opens_cleanly_in_libreoffice(client, seeds, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"".join(client.get("/export.csv").streaming_content))
    subprocess.run(
        ["soffice", "--headless", "--infilter=CSV:44,34,76,1", "--convert-to", "ods", "--outdir", str(tmp_path), str(path)],
        check=True, capture_output=True, timeout=120,
    )
    out = tmp_path / "back"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(out), str(tmp_path / "export.ods")],
        check=True, capture_output=True, timeout=120,
    )
    original = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    again = list(csv.reader(io.StringIO((out / "export.csv").read_text(encoding="utf-8-sig"))))
    assert again == original
    assert len(original) == 6 and "European Parliament calls for ‘urgent investigation’" in " ".join(r[1] for r in original)
