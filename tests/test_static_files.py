"""The app's static files: content-hashed URLs, cached for a year; an unversioned or stale URL is not."""
import re


def test_static_urls_carry_a_content_hash_and_are_cached_for_a_year(client):
    html = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=([0-9a-f]{12}))"', html)
    assert css, "the stylesheet URL has no content hash"
    with client.get(css[1]) as response:
        assert response.status_code == 200
        assert response.cache_control.max_age == 31536000 and response.cache_control.immutable
    with client.get("/static/css/app.css?v=000000000000") as stale:
        assert not stale.cache_control.immutable  # an old hash must not pin the new file for a year
    with client.get("/static/css/app.css") as plain:
        assert not plain.cache_control.immutable
