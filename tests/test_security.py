from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/?q=chechnya", "/api/search", "/admin/login/"])
def test_content_security_policy_allows_own_scripts_only(client, url):
    policy = client.get(url)["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_pages_have_no_inline_scripts_or_styles(client, seeds):
    html = client.get("/", {"q": "chechnya"}).content.decode()
    assert "<script>" not in html and "style=" not in html and "<style" not in html
    for tag in html.split("<script")[1:]:
        assert "src=" in tag.split(">", 1)[0]


def test_forms_carry_csrf_protection(client):
    response = client.get("/admin/login/")
    assert "csrfmiddlewaretoken" in response.content.decode()


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass: the check gets a SQLite database of its own")
def test_deploy_checks_clean_behind_https(tmp_path):
    env = {**os.environ, "NEWSINDEX_HTTPS": "1", "NEWSINDEX_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
