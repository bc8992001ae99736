"""Django serves the app shell for every /app/* path (client-side routing), never cached; the hashed assets
are cached forever; a missing build says how to make it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from whitenoise.middleware import WhiteNoiseMiddleware

from agentiq import spa
from tests.frontend.helpers import BUILD, NOT_BUILT

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/app/", "/app/interactions/42", "/app/login?next=%2Fdashboard", "/app/no/such/screen"]
)
def test_every_app_path_answers_the_shell(client, path):
    assert (BUILD / "index.html").exists(), NOT_BUILT
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    body = response.content.decode()
    assert '<div id="root"></div>' in body
    assert '<html lang="ru">' in body
    assert "/static/app/assets/index-" in body
    assert "no-cache" in response["Cache-Control"]
    # Nothing from outside the machine: every script and stylesheet is ours.
    assert "http://" not in body.replace("http://www.w3.org", "")
    assert "https://" not in body


def test_app_without_slash_redirects(client):
    response = client.get("/app")
    assert response.status_code == 301
    assert response["Location"] == "/app/"


def test_a_missing_build_says_how_to_make_it(client, tmp_path, monkeypatch):
    monkeypatch.setattr(spa, "APP_BUILD_DIR", tmp_path)
    spa._cached_shell.cache_clear()
    try:
        response = client.get("/app/")
    finally:
        spa._cached_shell.cache_clear()
    assert response.status_code == 503
    assert "make frontend" in response.content.decode()


def test_hashed_assets_are_cached_forever_and_the_rest_briefly(settings):
    assets = sorted((BUILD / "assets").glob("index-*.js"))
    assert assets, NOT_BUILT
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = False
    middleware = WhiteNoiseMiddleware(get_response=lambda request: None)
    response = middleware(RequestFactory().get(f"/static/app/assets/{assets[0].name}"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    landing = middleware(RequestFactory().get("/static/landing/landing.css"))
    assert landing.status_code == 200
    assert "immutable" not in landing["Cache-Control"]


def test_the_inbox_without_slash_keeps_its_filters(client):
    response = client.get("/app?kind=review&rating=1-2")
    assert response.status_code == 301
    assert response["Location"] == "/app/?kind=review&rating=1-2"
