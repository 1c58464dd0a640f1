#!/usr/bin/env python3
"""The sessions explorer (SPEC §8) in a real browser: Debian's headless
Chromium driven through chromium-driver by python3-selenium.

Builds a store from `sessiondb generate` data, starts `sessiondb serve` on a
loopback port with an apps file, mints tokens with `sessiondb token`, and
checks that what the page shows is what the API answers (asked directly by
this test): the rows and total, the cursor pages (SPEC §7 `cursor`), the
per-day chart (§7 `facets`), the whole record of a row, the API's error
message for 401, 403 and 400, the keyboard, and a phone-sized viewport.
Screenshots go to --screenshots. Everything started here is stopped here,
also when a check fails.

  /usr/bin/python3 explorer_test.py --cli build/release/tools/sessiondb \
      --screenshots build/release/tests/explorer-screenshots [unittest args]

--docs-screenshot PATH also writes the picture docs/HTTP.md shows.
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError as e:  # tools/setup.sh installs python3-selenium
    sys.exit("explorer_test: python3-selenium is missing (%s); run tools/setup.sh "
             "and run this with Debian's /usr/bin/python3" % e)

CLI = None
SCREENSHOTS = None
DOCS_SCREENSHOT = None

# The data: 3,000 sessions over 10 days from 2026-01-05, 3 skewed bots.
GEN = ["--sessions", "3000", "--bots", "3", "--seed", "5", "--start", "2026-01-05", "--days", "10"]
# "now" of the server: the default window (no dates) is 2026-01-08..14.
NOW = "2026-01-15T00:00:00Z"
DEFAULT_DAYS = ["2026-01-%02d" % d for d in range(8, 15)]
PAGE_SIZE = 25            # the page's default "Rows per page"
FACETS = ["day", "containmentType"]
CONTAINMENTS = ["selfService", "agent", "dropOff"]
WAIT_S = 15


def run_cli(*args, **kwargs):
    return subprocess.run([CLI] + list(args), check=True, capture_output=True, text=True, **kwargs)


class ExplorerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sessiondb_explorer_")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        sessions_path = os.path.join(cls.tmp, "sessions.ndjson")
        with open(sessions_path, "w") as f:
            subprocess.run([CLI, "generate"] + GEN, stdout=f, check=True)
        counts = {}
        with open(sessions_path) as f:
            for line in f:
                bot = json.loads(line)["botId"]
                counts[bot] = counts.get(bot, 0) + 1
        ranked = sorted(counts, key=lambda b: (-counts[b], b))
        cls.busy, cls.other = ranked[0], ranked[1]
        cls.db = os.path.join(cls.tmp, "db")
        run_cli("load", "--db", cls.db, sessions_path)

        cls.apps = os.path.join(cls.tmp, "apps.json")
        secret = lambda n: (n * 40)[:40]  # noqa: E731 — >= 32 bytes (SPEC §5)
        with open(cls.apps, "w") as f:
            json.dump({"apps": [
                {"appId": "reader", "clientSecret": secret("r"), "scopes": ["bot:sessions"],
                 "bots": [cls.busy]},
                {"appId": "other-reader", "clientSecret": secret("o"), "scopes": ["bot:sessions"],
                 "bots": [cls.other]},
                {"appId": "admin", "clientSecret": secret("a"), "scopes": ["admin:bot-sessions"]},
            ]}, f)
        os.chmod(cls.apps, 0o600)
        cls.token = {app: run_cli("token", "--apps", cls.apps, "--app", app).stdout.strip()
                     for app in ("reader", "other-reader", "admin")}

        cls.serve_log = open(os.path.join(cls.tmp, "serve.log"), "w")
        cls.serve = subprocess.Popen(
            [CLI, "serve", "--db", cls.db, "--apps", cls.apps, "--listen", "127.0.0.1:0",
             "--now", NOW, "--threads", "4"],
            stdout=subprocess.PIPE, stderr=cls.serve_log, text=True)
        cls.addClassCleanup(cls.stop_server)
        line = cls.serve.stdout.readline()
        match = re.search(r"http://(127\.0\.0\.1:\d+)", line)
        if not match:
            raise AssertionError("serve did not start: %r" % line)
        cls.base = "http://" + match.group(1)

        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,800", "--lang=en-US", "--no-first-run",
                     "--disable-extensions", "--disable-background-networking"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        cls.addClassCleanup(cls.driver.quit)
        cls.set_viewport(1280, 800)
        if SCREENSHOTS:
            os.makedirs(SCREENSHOTS, exist_ok=True)

    @classmethod
    def stop_server(cls):
        cls.serve.terminate()
        try:
            cls.serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            cls.serve.kill()
            cls.serve.wait()
        cls.serve.stdout.close()
        cls.serve_log.close()

    @classmethod
    def set_viewport(cls, width, height, mobile=False):
        cls.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})

    def setUp(self):
        self.set_viewport(1280, 800)

    # ---- the API, asked directly ----

    def api(self, body, token, bot=None, containment=None):
        """The API's answer: (status, JSON)."""
        path = "/api/public/bot/%s/getSessions" % bot if bot else "/api/public/getSessions"
        if containment:
            path += "?containmentType=" + containment
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(),
                                         method="POST",
                                         headers={"Authorization": "Bearer " + token,
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def api_page(self, body, **kwargs):
        status, answer = self.api(body, self.token["reader"], bot=self.busy, **kwargs)
        self.assertEqual(status, 200, answer)
        return answer

    # ---- the page ----

    def open_page(self, fragment=""):
        """Loads the page afresh (with `fragment` after '#') and waits for its
        first answer when the fragment starts a search."""
        self.driver.get("about:blank")
        self.driver.get(self.base + "/" + ("#" + fragment if fragment else ""))
        WebDriverWait(self.driver, WAIT_S).until(
            lambda d: d.execute_script("return document.readyState") == "complete")
        if "token=" in fragment:
            self.wait_answered(0)

    def answered(self):
        return int(self.driver.find_element(By.ID, "results").get_attribute("data-answered") or 0)

    def wait_answered(self, before):
        """Waits until the page has shown an answer after `before` answers."""
        try:
            WebDriverWait(self.driver, WAIT_S).until(lambda d: self.answered() > before)
        except TimeoutException:
            self.fail("the page showed no answer within %d s; status %r, error %r" % (
                WAIT_S, self.text("status"), self.text("error")))

    def click_and_wait(self, element_id):
        before = self.answered()
        self.driver.find_element(By.ID, element_id).click()
        self.wait_answered(before)

    def text(self, element_id):
        return self.driver.find_element(By.ID, element_id).get_attribute("textContent").strip()

    def rows(self):
        return self.driver.find_elements(By.CSS_SELECTOR, "#sessions tbody tr")

    def row_ids(self):
        """The session ids the table shows, as the text of their cells."""
        return [r.find_element(By.CSS_SELECTOR, "td.session-id").get_attribute("textContent")
                for r in self.rows()]

    def shown_error(self):
        box = self.driver.find_element(By.ID, "error")
        return box.get_attribute("textContent") if box.is_displayed() else None

    def fill(self, element_id, value):
        field = self.driver.find_element(By.ID, element_id)
        field.clear()
        if value:
            field.send_keys(value)

    def screenshot(self, name):
        if SCREENSHOTS:
            self.driver.save_screenshot(os.path.join(SCREENSHOTS, name + ".png"))

    def fragment(self, app="reader", **extra):
        parts = ["token=" + self.token[app], "bot=" + self.busy]
        parts += ["%s=%s" % kv for kv in extra.items()]
        return "&".join(parts)

    # ---- the checks ----

    def test_served_with_its_security_headers(self):
        with urllib.request.urlopen(self.base + "/", timeout=10) as response:
            html = response.read().decode()
            headers = response.headers
        self.assertEqual(headers["Content-Type"], "text/html; charset=utf-8")
        csp = headers["Content-Security-Policy"] or ""
        for directive in ("default-src 'none'", "script-src 'self'", "connect-src 'self'",
                          "frame-ancestors 'none'"):
            self.assertIn(directive, csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(headers["Referrer-Policy"], "no-referrer")
        self.assertEqual(headers["Cache-Control"], "no-cache")
        # No inline script, nothing from another host.
        self.assertEqual(re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html), [])
        assets = re.findall(r'(?:src|href)="(/explorer\.(?:js|css)\?v=[0-9a-f]{16})"', html)
        self.assertEqual(len(assets), 2, html[:600])
        for asset in assets:
            with urllib.request.urlopen(self.base + asset, timeout=10) as response:
                body = response.read().decode()
                self.assertIn("immutable", response.headers["Cache-Control"])
                self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")
            self.assertEqual(re.findall(r"https?://(?!www\.w3\.org/2000/svg)[\w.-]+", body), [])
        head = urllib.request.Request(self.base + "/", method="HEAD")
        with urllib.request.urlopen(head, timeout=10) as response:
            self.assertEqual(response.read(), b"")
            self.assertEqual(int(response.headers["Content-Length"]), len(html.encode()))
        post = urllib.request.Request(self.base + "/", data=b"{}", method="POST")
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(post, timeout=10)
        self.assertEqual(refused.exception.code, 405)
        self.assertEqual(refused.exception.headers["Allow"], "GET, HEAD")
        self.assertEqual(json.loads(refused.exception.read())["errors"][0]["code"], 405)

    def test_fragment_token_shows_the_busiest_bots_sessions(self):
        self.open_page(self.fragment())
        expected = self.api_page({"limit": PAGE_SIZE, "cursor": "", "facets": FACETS})
        self.assertIsNone(self.shown_error())
        self.assertGreater(expected["total"], PAGE_SIZE)
        self.assertEqual(self.driver.find_element(By.ID, "total").get_attribute("data-total"),
                         str(expected["total"]))
        self.assertEqual(self.row_ids(), [s["sessionId"] for s in expected["sessions"]])
        first = self.rows()[0].find_elements(By.TAG_NAME, "td")
        session = expected["sessions"][0]
        self.assertEqual(first[0].text, session["sessionId"])
        self.assertEqual(first[2].find_element(By.TAG_NAME, "time").get_attribute("datetime"),
                         session["start_time"])
        self.assertEqual(first[4].text, session["userId"])
        self.assertEqual(first[9].text, str(session["noOfMessagesExchanged"]))
        # The token left the address bar; it stays in this tab's sessionStorage only.
        url = self.driver.current_url
        self.assertNotIn(self.token["reader"], url)
        self.assertIn("bot=" + self.busy, url)
        self.assertEqual(self.driver.execute_script(
            "return sessionStorage.getItem('sessiondb.explorer.token')"), self.token["reader"])
        self.assertEqual(self.driver.execute_script("return localStorage.length"), 0)
        self.screenshot("1280-first-page")
        if DOCS_SCREENSHOT:
            self.driver.save_screenshot(DOCS_SCREENSHOT)

    def test_next_and_previous_follow_the_cursor_pages(self):
        self.open_page(self.fragment())
        first = self.api_page({"limit": PAGE_SIZE, "cursor": "", "facets": FACETS})
        self.assertEqual(self.row_ids(), [s["sessionId"] for s in first["sessions"]])
        self.assertFalse(self.driver.find_element(By.ID, "prev").is_enabled())
        self.assertTrue("nextCursor" in first, "the API answered no nextCursor (SPEC §7 cursor)")
        self.assertTrue(self.driver.find_element(By.ID, "next").is_enabled(),
                        "Next is disabled on the first of several pages")
        second = self.api_page({"limit": PAGE_SIZE, "cursor": first["nextCursor"]})
        self.click_and_wait("next")
        self.assertEqual(self.row_ids(), [s["sessionId"] for s in second["sessions"]])
        self.assertEqual(self.text("page-number"), "Page 2")
        self.screenshot("1280-second-page")
        self.click_and_wait("prev")
        self.assertEqual(self.row_ids(), [s["sessionId"] for s in first["sessions"]])
        self.assertFalse(self.driver.find_element(By.ID, "prev").is_enabled())

    def test_next_is_disabled_on_the_last_page(self):
        # One day of one containment: a few short pages.
        self.open_page(self.fragment(dateFrom="2026-01-12", dateTo="2026-01-12",
                                     containmentType="agent", limit="10"))
        body = {"limit": 10, "dateFrom": "2026-01-12", "dateTo": "2026-01-12", "cursor": ""}
        expected = self.api_page(dict(body, facets=FACETS), containment="agent")
        pages = math.ceil(expected["total"] / 10)
        self.assertGreaterEqual(pages, 2)
        answer = expected
        for page in range(1, pages + 1):
            self.assertEqual(self.row_ids(), [s["sessionId"] for s in answer["sessions"]],
                             "page %d of %d" % (page, pages))
            next_button = self.driver.find_element(By.ID, "next")
            if page == pages:
                self.assertNotIn("nextCursor", answer)
                self.assertFalse(next_button.is_enabled(), "Next is enabled on the last page")
                break
            self.assertTrue("nextCursor" in answer, "the API answered no nextCursor (SPEC §7 cursor)")
            self.assertTrue(next_button.is_enabled(), "Next is disabled on page %d" % page)
            answer = self.api_page(dict(body, cursor=answer["nextCursor"]), containment="agent")
            self.click_and_wait("next")

    def test_chart_has_one_bar_per_day_matching_the_facets(self):
        self.open_page(self.fragment())
        expected = self.api_page({"limit": PAGE_SIZE, "cursor": "", "facets": FACETS})
        self.assertTrue("facets" in expected, "the API answered no facets (SPEC §7 facets)")
        days = expected["facets"]["day"]
        self.assertEqual([d["date"] for d in days], DEFAULT_DAYS)
        groups = self.driver.find_elements(By.CSS_SELECTOR, "#chart svg g.day")
        self.assertEqual(len(groups), len(DEFAULT_DAYS), "one bar group per day of the window")
        # Every segment's height is its count on one scale.
        scales = []
        for group, day in zip(groups, days):
            self.assertEqual(group.get_attribute("data-date"), day["date"])
            total = sum(day[c] for c in CONTAINMENTS)
            title = group.find_element(By.TAG_NAME, "title").get_attribute("textContent")
            self.assertTrue(title.startswith("%s: %s sessions" % (day["date"], format(total, ","))),
                            title)
            for c in CONTAINMENTS:
                rect = group.find_element(By.CSS_SELECTOR, "rect.seg-" + c)
                self.assertEqual(int(rect.get_attribute("data-count")), day[c], (day, c))
                height = float(rect.get_attribute("height"))
                if day[c]:
                    scales.append(height / day[c])
                else:
                    self.assertEqual(height, 0.0)
        self.assertGreater(len(scales), 0)
        for scale in scales:
            self.assertAlmostEqual(scale, scales[0], delta=scales[0] * 0.01 + 0.01)
        # The total above the chart, and the containment breakdown.
        shown = self.text("breakdown")
        for c in CONTAINMENTS:
            self.assertIn(format(expected["facets"]["containmentType"][c], ","), shown)

    def test_a_click_on_a_row_shows_the_whole_record(self):
        self.open_page(self.fragment())
        expected = self.api_page({"limit": PAGE_SIZE, "cursor": ""})
        self.rows()[2].click()
        dialog = self.driver.find_element(By.ID, "detail")
        WebDriverWait(self.driver, WAIT_S).until(lambda d: dialog.get_attribute("open") is not None)
        shown = json.loads(self.text("detail-json"))
        self.assertEqual(shown, expected["sessions"][2])
        self.assertIn(expected["sessions"][2]["sessionId"], self.text("detail-title"))
        self.screenshot("1280-detail")
        self.driver.find_element(By.ID, "detail-close").click()
        self.assertIsNone(dialog.get_attribute("open"))

    def test_keyboard_tab_to_a_row_and_enter_opens_it(self):
        self.open_page(self.fragment())
        expected = self.api_page({"limit": PAGE_SIZE, "cursor": ""})
        self.driver.execute_script("document.getElementById('search').focus()")
        active = None
        for _ in range(6):
            self.driver.switch_to.active_element.send_keys(Keys.TAB)
            active = self.driver.switch_to.active_element
            if active.tag_name == "tr":
                break
        self.assertEqual(active.tag_name, "tr", "Tab from Search never reached a row")
        self.assertEqual(active.get_attribute("data-session-id"),
                         expected["sessions"][0]["sessionId"])
        active.send_keys(Keys.ARROW_DOWN)
        active = self.driver.switch_to.active_element
        self.assertEqual(active.get_attribute("data-session-id"),
                         expected["sessions"][1]["sessionId"])
        active.send_keys(Keys.ENTER)
        dialog = self.driver.find_element(By.ID, "detail")
        WebDriverWait(self.driver, WAIT_S).until(lambda d: dialog.get_attribute("open") is not None)
        self.assertEqual(json.loads(self.text("detail-json")), expected["sessions"][1])
        # Escape closes it and gives the focus back to the row.
        self.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
        WebDriverWait(self.driver, WAIT_S).until(lambda d: dialog.get_attribute("open") is None)
        self.assertEqual(self.driver.switch_to.active_element.get_attribute("data-session-id"),
                         expected["sessions"][1]["sessionId"])

    def test_a_bad_token_shows_the_apis_401_message(self):
        status, answer = self.api({}, "not.a.token", bot=self.busy)
        self.assertEqual(status, 401)
        self.open_page("token=not.a.token&bot=" + self.busy)
        self.assertEqual(self.shown_error(), "401" + answer["errors"][0]["msg"])
        self.assertEqual(self.rows(), [])
        self.screenshot("1280-error-401")

    def test_a_token_without_the_bot_shows_the_apis_403_message(self):
        status, answer = self.api({}, self.token["other-reader"], bot=self.busy)
        self.assertEqual(status, 403)
        self.open_page(self.fragment(app="other-reader"))
        self.assertEqual(self.shown_error(), "403" + answer["errors"][0]["msg"])

    def assert_bad_filter_shows(self, field_id, value, body):
        status, answer = self.api(dict(body, limit=PAGE_SIZE), self.token["reader"], bot=self.busy)
        self.assertEqual(status, 400, "the API accepted %r" % body)
        self.open_page(self.fragment())
        self.fill(field_id, value)
        self.click_and_wait("search")
        self.assertEqual(self.shown_error(), "400" + answer["errors"][0]["msg"])
        return answer["errors"][0]["msg"]

    def test_a_malformed_date_shows_the_apis_400_message(self):
        msg = self.assert_bad_filter_shows("date-from", "2026-02-30", {"dateFrom": "2026-02-30"})
        self.assertIn("dateFrom", msg)
        self.screenshot("1280-error-400")

    def test_an_unknown_time_zone_shows_the_apis_400_message(self):
        msg = self.assert_bad_filter_shows("time-zone", "Mars/Olympus_Mons",
                                           {"timeZone": "Mars/Olympus_Mons"})
        self.assertIn("timeZone", msg)

    def test_filters_reach_the_api(self):
        # Account-wide (admin), a time zone, containment, session type and a tag.
        self.open_page("token=%s&scope=account" % self.token["admin"])
        self.fill("date-from", "2026-01-10")
        self.fill("date-to", "2026-01-11")
        self.driver.find_element(By.ID, "session-type").send_keys("interactive")
        self.driver.find_element(By.ID, "add-tag").click()
        sample = self.api({"limit": 1, "dateFrom": "2026-01-10", "dateTo": "2026-01-11"},
                          self.token["admin"])[1]["sessions"][0]
        tag = (sample["tags"]["userTags"] + sample["tags"]["sessionTags"])[0]
        self.driver.find_element(By.CSS_SELECTOR, ".tag-row .tag-name").send_keys(tag["name"])
        self.driver.find_element(By.CSS_SELECTOR, ".tag-row .tag-values").send_keys(tag["value"])
        self.click_and_wait("search")
        self.assertIsNone(self.shown_error())
        status, expected = self.api(
            {"limit": PAGE_SIZE, "cursor": "", "dateFrom": "2026-01-10", "dateTo": "2026-01-11",
             "sessionType": "interactive",
             "tags": {"and": [{"name": tag["name"], "values": [tag["value"]]}]}},
            self.token["admin"])
        self.assertEqual(status, 200, expected)
        self.assertEqual(self.driver.find_element(By.ID, "total").get_attribute("data-total"),
                         str(expected["total"]))
        self.assertEqual(self.row_ids(), [s["sessionId"] for s in expected["sessions"]])
        self.assertTrue(self.driver.find_element(By.CSS_SELECTOR, "th.col-bot").is_displayed())

    def test_phone_viewport(self):
        self.set_viewport(390, 844, mobile=True)
        self.open_page(self.fragment())
        expected = self.api_page({"limit": PAGE_SIZE, "cursor": ""})
        self.assertEqual(self.row_ids(), [s["sessionId"] for s in expected["sessions"]])
        # The page itself does not scroll sideways; the table may.
        width = self.driver.execute_script("return document.documentElement.scrollWidth")
        inner = self.driver.execute_script("return window.innerWidth")
        self.assertLessEqual(width, inner, "the page is wider than a 390 px screen")
        for element_id in ("search", "next", "prev", "total"):
            box = self.driver.execute_script(
                "const r = document.getElementById(arguments[0]).getBoundingClientRect();"
                "return [r.left, r.right];", element_id)
            self.assertGreaterEqual(box[0], 0, element_id)
            self.assertLessEqual(box[1], inner, element_id)
        self.screenshot("390-first-page")
        self.driver.find_element(By.ID, "chart").location_once_scrolled_into_view
        self.screenshot("390-chart-and-table")

    def test_zz_no_console_errors_but_the_refused_requests(self):
        # Runs last (unittest sorts by name): every page load of this class.
        entries = self.driver.get_log("browser")
        unexpected = [e for e in entries if e["level"] == "SEVERE" and not re.search(
            r"status of (400|401|403)", e["message"])]
        self.assertEqual(unexpected, [])


def main():
    global CLI, SCREENSHOTS, DOCS_SCREENSHOT
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--screenshots")
    parser.add_argument("--docs-screenshot")
    args, rest = parser.parse_known_args()
    CLI = os.path.abspath(args.cli)
    SCREENSHOTS = args.screenshots and os.path.abspath(args.screenshots)
    DOCS_SCREENSHOT = args.docs_screenshot and os.path.abspath(args.docs_screenshot)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
