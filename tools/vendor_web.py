"""Copy the dashboard's browser libraries from web/node_modules into the package (``make web``).

``npm ci --prefix web`` installs the exact versions pinned in web/package-lock.json; this script
then copies only the files the dashboard loads (MANIFEST) and each library's licence into
src/osintrack/web/static/vendor/, which is generated and not kept in git. Nothing is fetched at run
time: the page references /static/vendor/... only.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ROOT / "web" / "node_modules"
VENDOR = ROOT / "src" / "osintrack" / "web" / "static" / "vendor"

# (file under web/node_modules, file under vendor/)
MANIFEST = [
    ("leaflet/dist/leaflet.js", "leaflet.js"),
    ("leaflet/dist/leaflet.css", "leaflet.css"),
    ("leaflet/dist/images/layers.png", "images/layers.png"),
    ("leaflet/dist/images/layers-2x.png", "images/layers-2x.png"),
    ("supercluster/dist/supercluster.min.js", "supercluster.min.js"),  # UMD build, kdbush bundled
    ("topojson-client/dist/topojson-client.min.js", "topojson-client.min.js"),
    ("d3/dist/d3.min.js", "d3.min.js"),
    ("world-atlas/countries-50m.json", "countries-50m.json"),  # Natural Earth, ISO 3166 numeric ids
]
LICENSED = ["leaflet", "supercluster", "kdbush", "topojson-client", "d3", "world-atlas"]


def main() -> int:
    if not MODULES.is_dir():
        print(f"vendor_web: {MODULES} is missing; run `npm ci --prefix web` first", file=sys.stderr)
        return 1
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    copies = list(MANIFEST) + [(f"{name}/LICENSE", f"LICENSES/{name}.txt") for name in LICENSED]
    for source, target in copies:
        src, dst = MODULES / source, VENDOR / target
        if not src.is_file():
            print(f"vendor_web: {src} is missing; is web/package-lock.json installed?", file=sys.stderr)
            return 1
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    versions = {name: json.loads((MODULES / name / "package.json").read_text())["version"] for name in LICENSED}
    print("vendored into", VENDOR.relative_to(ROOT), ":", ", ".join(f"{k} {v}" for k, v in versions.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
