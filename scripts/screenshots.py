"""Screenshots of every dashboard page from a running demo (headless Chromium via Playwright).

    python scripts/screenshots.py [--ui http://localhost:8501] [--api http://localhost:8000] [--out docs/screenshots]

Logs in as the demo inspector, opens the review queue and the lowest-scoring call, then each page.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = (("主管日报", "daily_report"), ("培训辅导", "coaching"), ("规则可信度", "agreement"),
         ("客户档案", "customers"), ("月结报表", "crm_reports"), ("申诉处理", "appeals"), ("校准会", "calibration"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ui", default="http://localhost:8501")
    parser.add_argument("--api", default="http://localhost:8000")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--vip-call", default="C0012", help="a call whose caller holds a VIP card")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(args.ui)
        page.get_by_label("用户名").fill("inspector")
        page.get_by_label("密码").fill("inspect123")
        page.screenshot(path=args.out / "login.png")
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_text("待复核通话")).to_be_visible(timeout=60_000)
        shot(page, args.out / "review_queue.png")
        page.get_by_role("button", name="打开通话").click()
        expect(page.get_by_text("质检结果").first).to_be_visible(timeout=60_000)
        # Streamlit scrolls inside its own container: a tall viewport shows the whole call page
        # (findings, transcript lanes, metrics) in one picture.
        page.set_viewport_size({"width": 1440, "height": 3200})
        shot(page, args.out / "call_review.png")
        page.set_viewport_size({"width": 1440, "height": 1000})
        open_call(page, args.vip_call)
        page.set_viewport_size({"width": 1440, "height": 3200})
        shot(page, args.out / "call_review_vip.png")
        page.set_viewport_size({"width": 1440, "height": 1000})
        for link, name in PAGES:
            page.get_by_role("link", name=link).click()
            shot(page, args.out / f"{name}.png")
        page.goto(f"{args.api}/docs")
        page.wait_for_timeout(3000)
        page.screenshot(path=args.out / "api_docs.png")
        browser.close()
    print(f"screenshots in {args.out}")


def open_call(page, call_id: str) -> None:
    """Pick a call in the review queue's selector and open it."""
    page.get_by_role("link", name="质检复核").click()
    expect(page.get_by_text("待复核通话")).to_be_visible(timeout=60_000)
    page.get_by_label("选择通话").click()
    page.keyboard.type(call_id)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="打开通话").click()
    expect(page.get_by_text(call_id).first).to_be_visible(timeout=60_000)


def shot(page, path: Path) -> None:
    page.wait_for_timeout(3000)  # let Streamlit finish its reruns
    page.screenshot(path=path, full_page=True)


if __name__ == "__main__":
    main()
