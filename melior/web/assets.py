"""Front-end assets built on the machine, never fetched from a CDN, and collected under
hashed names for long-lived caching.

The Vega/Vega-Lite/vega-embed bundle comes from vl-convert (the same engine that exports charts
to SVG/PNG/PDF), so the page renders exactly what the exports show.
"""

from pathlib import Path

from django.conf import settings

VEGA_BUNDLE = Path("vendor") / "vega-embed.js"


def vega_bundle_path() -> Path:
    return Path(settings.ASSETS_DIR) / VEGA_BUNDLE


def ensure_assets(force: bool = False) -> Path:
    """Write the vega-embed bundle under var/assets once per vl-convert version."""
    import vl_convert

    target = vega_bundle_path()
    stamp = target.with_suffix(".version")
    version = getattr(vl_convert, "__version__", "unknown")
    if not force and target.exists() and stamp.exists() and stamp.read_text() == version:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(vl_convert.javascript_bundle())
    tmp.replace(target)
    stamp.write_text(version)
    return target


def collect_static() -> None:
    """Build the chart bundle, then copy every static file into STATIC_ROOT under a name with
    its content's hash (and gzipped beside it), with the manifest `{% static %}` reads."""
    from django.core.management import call_command

    ensure_assets()
    call_command("collectstatic", interactive=False, verbosity=0)
