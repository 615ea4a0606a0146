"""End to end: the API (uvicorn) and the dashboard (streamlit run) on free ports against a seeded
database, driven in headless Chromium. Saves a screenshot of each page in the test's tmp_path (the
committed docs/screenshots/ are made from the real demo data with scripts/screenshots.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from qa_engine.api.serve import dashboard_command
from qa_engine.config import REPO_ROOT

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("QA_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not come up")


@pytest.fixture
def servers(dash_db, tmp_path):
    env = dict(os.environ, QA_DATA_DIR=str(dash_db.data_dir), QA_SECRET_KEY="browser-test-secret-key-32-bytes-long",
               PYTHONPATH=str(REPO_ROOT))
    api_port, ui_port = _free_port(), _free_port()
    logs = [open(tmp_path / name, "w") for name in ("api.log", "ui.log")]  # noqa: SIM115
    procs = [
        subprocess.Popen([sys.executable, "-m", "qa_engine.api.serve", str(api_port)], env=env, cwd=REPO_ROOT,
                         stdout=logs[0], stderr=subprocess.STDOUT),
        subprocess.Popen(dashboard_command(port=ui_port), env=env, cwd=REPO_ROOT, stdout=logs[1], stderr=subprocess.STDOUT),
    ]
    try:
        _wait(f"http://127.0.0.1:{api_port}/api/health", procs[0])
        _wait(f"http://127.0.0.1:{ui_port}/_stcore/health", procs[1])
        yield f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{ui_port}"
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        for f in logs:
            f.close()


def test_api_and_dashboard_show_a_calls_findings_and_the_customers_vip_card(servers, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    api, ui = servers
    token = httpx.post(f"{api}/api/auth/token", data={"username": "inspector", "password": "inspect123"}).json()["access_token"]
    detail = httpx.get(f"{api}/api/calls/DEMO001", headers={"Authorization": f"Bearer {token}"}).json()
    assert any(f["rule_id"] == "talk.banned_phrases" and f["outcome"] == "fail" for f in detail["findings"])
    panel = httpx.get(f"{api}{detail['crm_panel']}", headers={"Authorization": f"Bearer {token}"}).json()
    assert any(c["kind"] == "main" for c in panel["cards"])

    shots = tmp_path / "screenshots"  # never the committed docs/screenshots/
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(ui)
        page.get_by_label("用户名").fill("inspector")
        page.get_by_label("密码").fill("inspect123")
        page.screenshot(path=shots / "login.png")
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", name="质检复核")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("待复核通话")).to_be_visible()
        page.wait_for_timeout(1500)
        page.screenshot(path=shots / "review_queue.png", full_page=True)

        page.get_by_role("button", name="打开通话").click()
        expect(page.get_by_text("talk.banned_phrases").first).to_be_visible(timeout=30_000)
        expect(page.get_by_text("这不归我管").first).to_be_visible()
        expect(page.get_by_text("贵阳黔途商贸有限公司").first).to_be_visible()
        expect(page.get_by_text("贵宾卡").first).to_be_visible()
        page.wait_for_timeout(1500)
        page.screenshot(path=shots / "call_review.png", full_page=True)

        for link, expect_text, shot in (("主管日报", "坐席日报", "daily_report"), ("培训辅导", "培训辅导", "coaching"),
                                        ("规则可信度", "规则可信度", "agreement"), ("客户档案", "客户档案", "customers"),
                                        ("月结报表", "售卡提成", "crm_reports")):
            page.get_by_role("link", name=link).click()
            expect(page.get_by_text(expect_text).first).to_be_visible(timeout=30_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=shots / f"{shot}.png", full_page=True)

        page.goto(f"{api}/docs")
        expect(page.get_by_text("/api/calls/{call_id}/audio").first).to_be_visible(timeout=30_000)
        page.screenshot(path=shots / "api_docs.png")
        browser.close()
    for name in ("login", "review_queue", "call_review", "daily_report", "coaching", "customers", "crm_reports"):
        assert (shots / f"{name}.png").stat().st_size > 10_000
