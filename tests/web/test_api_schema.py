"""The OpenAPI document at /api/schema, checked against the running API by schemathesis.

Generated requests go through the WSGI application in this process (the test database with the
five sample articles, a private archive, an API token): no server error, and every response
matches the document (status codes, content types, JSON bodies). NEWSINDEX_API_EXAMPLES sets
how many generated requests per operation (default 30).
"""

from __future__ import annotations

import os
from io import StringIO

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from hypothesis import HealthCheck, settings as hypothesis_settings

from tests.conftest import CORPUS, import_into_db

# No server error and no answer that breaks the document. Not "negative data rejection": the
# query parameters are free text by design (a bad value is a message in the answer, never a 4xx).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("NEWSINDEX_API_EXAMPLES", "30"))


@pytest.fixture
def api_token(db, django_user_model, settings) -> str:  # type: ignore[no-untyped-def]
    settings.NEWSINDEX_LOGIN_REQUIRED = True
    report = import_into_db(CORPUS)
    assert report.imported == 5, report
    django_user_model.objects.create_user("script", password="correct horse battery")
    call_command("grant_role", "script", "reader", stdout=StringIO())
    out = StringIO()
    call_command("create_api_token", "script", "schemathesis", stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def wsgi_app(db):  # type: ignore[no-untyped-def]
    """Django's WSGI handler on the test database: like Django's test client, it must not close
    the test's connection at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Fetched from /api/schema through the WSGI application when this module is collected (the
# document needs no database). schemathesis.pytest.from_fixture would load it lazily, but its
# 4.32 release reads a pytest node attribute that pytest 9 no longer has.
# The document itself is public here whatever NEWSINDEX_LOGIN_REQUIRED says in the environment.
with override_settings(NEWSINDEX_LOGIN_REQUIRED=False):
    schema = schemathesis.openapi.from_wsgi("/api/schema", WSGIHandler())


@schema.parametrize()
@hypothesis_settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_matches_its_schema(case, api_token, wsgi_app):  # type: ignore[no-untyped-def]
    case.call_and_validate(app=wsgi_app, headers={"Authorization": f"Bearer {api_token}"}, checks=CHECKS)


def test_real_articles_and_searches_match_the_schema(api_token, wsgi_app):  # type: ignore[no-untyped-def]
    """Generated ids rarely hit a stored article: every sample article and a faceted search, explicitly."""
    from search.store.models import Article

    headers = {"Authorization": f"Bearer {api_token}"}
    article = schema["/api/articles/{article_id}"]["GET"]
    for pk in Article.objects.values_list("pk", flat=True):
        response = article.Case(path_parameters={"article_id": pk}).call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS)
        assert response.status_code == 200 and response.json()["id"] == pk
    search = schema["/api/search"]["GET"]
    for query in ({"q": "chechnya", "granularity": "day"}, {"q": "Linkevicius", "sort": "date"}, {"outlet": ["The Independent"], "collapse": "1"}):
        response = search.Case(query=query).call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS)
        assert response.status_code == 200 and response.json()["total"] > 0, query


def test_schema_describes_the_endpoints(client, settings):  # type: ignore[no-untyped-def]
    document = client.get("/api/schema").json()
    assert set(document["paths"]) == {
        "/api/search", "/api/articles/{article_id}", "/api/passages", "/api/passages/{group_id}",
        "/api/compare/{left_id}/{right_id}", "/api/coverage", "/api/check", "/api/saved",
    }
    search = document["paths"]["/api/search"]["get"]
    assert {p["name"] for p in search["parameters"]} == {"q", "outlet", "-outlet", "actor", "-actor", "from", "to", "undated", "granularity", "sort", "collapse", "page"}
    assert {"200", "401", "403"} <= set(search["responses"])
    assert document["components"]["securitySchemes"]["ArchiveAccess"] == {"type": "http", "scheme": "bearer"}


def test_real_passages_coverage_checks_and_saved_searches_match_the_schema(api_token, wsgi_app):  # type: ignore[no-untyped-def]
    """The JSON twins on stored data: every shared passage, the articles that share one side by
    side, coverage split by outlet, a pasted paragraph of a sample article and a saved search."""
    from django.contrib.auth import get_user_model

    from search.monitor.models import SavedSearch
    from search.store.models import Article, PassageGroup, PassageMember

    headers = {"Authorization": f"Bearer {api_token}"}
    groups = list(PassageGroup.objects.values_list("pk", flat=True))
    assert groups, "the sample articles share passages"
    for pk in groups:
        response = schema["/api/passages/{group_id}"]["GET"].Case(path_parameters={"group_id": pk}).call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS)
        assert response.status_code == 200 and len(response.json()["copies"] + response.json()["undated"]) >= 2, pk
        members = sorted(set(PassageMember.objects.filter(group_id=pk).values_list("article_id", flat=True)))
        pair = {"left_id": members[0], "right_id": members[-1]}
        response = schema["/api/compare/{left_id}/{right_id}"]["GET"].Case(path_parameters=pair).call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS)
        assert response.status_code == 200 and pk in {p["id"] for p in response.json()["passages"]}, pair
    for query in ({}, {"q": "chechnya"}, {"sort": "date", "page": "1"}):
        response = schema["/api/passages"]["GET"].Case(query=query).call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS)
        assert response.status_code == 200 and response.json()["passages"], query
    for query in ({"q": "chechnya", "split": "outlet"}, {"undated": "1", "granularity": "day", "split": "outlet"}):
        response = schema["/api/coverage"]["GET"].Case(query=query).call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS)
        assert response.status_code == 200 and response.json()["first_coverage"] and response.json()["split"]["buckets"], query
    pasted = PassageGroup.objects.get(pk=groups[0]).text
    check = schema["/api/check"]["POST"]
    for media_type, body in (("application/json", {"text": pasted}), ("multipart/form-data", {"text": pasted})):
        response = check.Case(body=body, media_type=media_type).call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS)
        assert response.status_code == 200 and len(response.json()["matches"]) >= 2, media_type
    SavedSearch.objects.create(user=get_user_model().objects.get(username="script"), name="Chechnya", query="q=chechnya")
    response = schema["/api/saved"]["GET"].Case().call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS)
    assert [s["name"] for s in response.json()["saved"]] == ["Chechnya"]
    assert Article.objects.count() == 5  # nothing was imported or changed on the way
