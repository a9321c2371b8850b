"""Make the README's screenshot of the HTML export in headless Chromium.

    .venv/bin/python docs/screenshot.py [VIEW] [SEARCH]

Needs Debian's chromium and chromium-driver and the test extras (selenium); writes
docs/img/VIEW.png.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from loaders.publish.exports import render
from loaders.project import Project


def main() -> None:
    view = sys.argv[1] if len(sys.argv) > 1 else "positions"
    search = sys.argv[2] if len(sys.argv) > 2 else ""
    project = Project.locate()
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / f"{view}.html"
        page.write_text(render(project, view, "html"), encoding="utf-8")
        options = Options()
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1400,850",
            f"--user-data-dir={tmp}/profile",
        ):
            options.add_argument(flag)
        options.binary_location = "/usr/bin/chromium"
        browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            browser.get(page.as_uri())
            body = browser.find_element(By.TAG_NAME, "body")
            while not body.get_attribute("data-stabilised"):
                time.sleep(0.1)
            if search:
                browser.find_element(By.ID, "search").send_keys(search)
            target = project.root / "docs" / "img" / f"{view}.png"
            browser.save_screenshot(str(target))
            print(f"wrote {project.relative(target)}")
        finally:
            browser.quit()


if __name__ == "__main__":
    main()
