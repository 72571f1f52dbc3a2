"""Retake the screenshots in docs/img from a running demo (`melior demo`), as the role that
uses each page, at desktop (1280 px) and phone (390 px) width:

    python tests/browser/screenshots.py http://127.0.0.1:8000
"""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

NETWORK = "/n/ninth-grade-success"
# (file name, role, page, what to wait for)
SHOTS = [
    ("network-status", "lead", f"{NETWORK}/#standing-heading", ".status-table"),
    ("site-chart", "teacher", f"{NETWORK}/s/roosevelt-high-school/m/on-track/", ".chart-ready"),
    ("pdsa-list", "lead", f"{NETWORK}/pdsa/", ".cycle-table"),
    ("stewardship", "steward", f"{NETWORK}/students/stewardship/", "main"),
    ("pilot-report", "lead", f"{NETWORK}/pilots/1/report/", ".chart-ready"),
]
WIDTHS = {"": 1280, "-phone": 390}
OUT = Path(__file__).resolve().parents[2] / "docs" / "img"


def main(origin: str):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"))
        for role in dict.fromkeys(role for _, role, _, _ in SHOTS):
            for suffix, width in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(f"{origin}/accounts/login/")
                page.get_by_label("Username").fill(role)
                page.get_by_label("Password").fill("melior-demo")
                page.locator("form button[type=submit]").first.click()
                page.wait_for_load_state()
                for name, who, url, ready in SHOTS:
                    if who != role:
                        continue
                    page.goto(origin + url)
                    page.locator(ready).first.wait_for()
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=OUT / f"{name}{suffix}.png")
                page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
