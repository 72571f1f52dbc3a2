"""Static files go out under names carrying a hash of their content, cached for a year as
immutable; the chart bundle loads only on pages that draw charts."""

import os
import re
import uuid
from pathlib import Path

from django.urls import reverse

import melior
from melior.measures.services import record_observation


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_name_hashed_static_files_served_as_immutable(client, world):
    client.force_login(world.users["network:viewer"])
    html = client.get(reverse("network", kwargs={"network": world.network.slug})).text
    urls = static_urls(html)
    stylesheet = next(u for u in urls if "melior/melior." in u and u.endswith(".css"))
    assert re.fullmatch(r"/static/melior/melior\.[0-9a-f]{12}\.css", stylesheet)
    response = client.get(stylesheet, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", response["Cache-Control"])[1]) >= 365 * 24 * 3600
    assert response["Content-Encoding"] == "gzip"  # compressed once, when collected
    assert "vega-embed" not in html  # no chart on the network page: no chart bundle


def test_a_chart_page_loads_the_hashed_chart_bundle(client, world, monday):
    record_observation(
        measure=world.measure, organization=world.school, period=monday, numerator=5, denominator=9
    )
    client.force_login(world.users["network:viewer"])
    url = reverse(
        "site-measure",
        kwargs={"network": world.network.slug, "site": world.school.slug, "measure": "on-track"},
    )
    bundle = [u for u in static_urls(client.get(url).text) if "vega-embed" in u]
    assert len(bundle) == 1 and re.search(r"vega-embed\.[0-9a-f]{12}\.js$", bundle[0])
    response = client.get(bundle[0])
    assert response.status_code == 200 and "immutable" in response["Cache-Control"]


def test_every_page_links_the_icon_and_favicon_ico_leads_to_it(client, world):
    signed_out = client.get(reverse("login")).text
    client.force_login(world.users["network:viewer"])
    network_page = client.get(reverse("network", kwargs={"network": world.network.slug})).text
    for html in (signed_out, network_page):
        icon = re.search(r'rel="icon" href="(/static/melior/favicon\.[0-9a-f]{12}\.svg)"', html)
        assert icon, "the page links no icon"
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == icon[1]
    served = client.get(icon[1])
    assert served.status_code == 200 and served["Content-Type"].startswith("image/svg+xml")


def test_every_standalone_page_template_links_the_icon():
    package = Path(melior.__file__).parent
    standalone = [p for p in package.rglob("templates/**/*.html") if "<html" in p.read_text()]
    assert len(standalone) >= 2  # the base layout and the printable PDSA cycle
    for template in standalone:
        assert 'rel="icon"' in template.read_text(), template.name


def test_a_browser_that_accepts_brotli_gets_the_smaller_brotli_file(client, world):
    import brotli

    client.force_login(world.users["network:viewer"])
    html = client.get(reverse("network", kwargs={"network": world.network.slug})).text
    stylesheet = next(u for u in static_urls(html) if u.endswith(".css"))
    plain = b"".join(client.get(stylesheet).streaming_content)
    gzipped = client.get(stylesheet, HTTP_ACCEPT_ENCODING="gzip")
    response = client.get(stylesheet, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert "immutable" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert brotli.decompress(body) == plain
    assert len(body) < int(gzipped["Content-Length"]) < len(plain)


def test_collecting_again_compresses_only_the_files_that_changed(settings, tmp_path, monkeypatch):
    # `melior serve` collects at every start; compressing everything again (brotli at its
    # best quality) cost some 40 s of CPU each time
    from whitenoise.compress import Compressor

    from melior.web.assets import collect_static

    extra = tmp_path / "extra"
    extra.mkdir()
    run = uuid.uuid4().hex  # content (so hashed names) no earlier run collected
    (extra / "probe.js").write_text(f"var probe = '{run}';\n" * 200)
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, extra]
    compressed = []
    original = Compressor.compress_brotli
    monkeypatch.setattr(
        Compressor,
        "compress_brotli",
        staticmethod(lambda data: compressed.append(len(data)) or original(data)),
    )
    collect_static()
    assert compressed  # the new file, under its own and its hashed name
    compressed.clear()
    collect_static()
    # only files too small for compression to pay (so no .br was kept) are tried again
    assert [size for size in compressed if size > 100] == []
    (extra / "probe.js").write_text(f"var probe = '{run}';\n" * 300)
    later = (extra / "probe.js").stat().st_mtime + 5  # collectstatic compares whole seconds
    os.utime(extra / "probe.js", (later, later))
    collect_static()
    changed = len(f"var probe = '{run}';\n" * 300)
    assert [size for size in compressed if size > 100] == [changed, changed]
