"""End to end: the real explorer (`streamlit run`, as `aqkg explore` starts it) driven in
headless Chromium through selenium. It picks a qualification and a destination on the
Recognition page, checks the path appears, and saves the screenshots the README shows
(docs/screenshots/recognition.png, docs/screenshots/frameworks.png).

Needs Debian's `chromium` and `chromium-driver` (scripts/setup.sh installs them); without them
the test fails, it does not skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from aqkg import explore
from aqkg.build.pipeline import build
from aqkg.web.server import QueryServer, make_server

REPO = Path(__file__).resolve().parents[1]
# The README's screenshots are refreshed on purpose, not by every run:
# AQKG_SCREENSHOT_DIR=docs/screenshots .venv/bin/pytest tests/test_app_e2e.py
SCREENSHOTS = Path(
    os.environ.get("AQKG_SCREENSHOT_DIR", Path(tempfile.gettempdir()) / "aqkg-screenshots")
)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)
WAIT_SECONDS = 45


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def e2e_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("e2e") / "store"
    assert build(store)[0].written
    return store


@pytest.fixture(scope="module")
def app_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def record_server(e2e_store: Path, app_port: int) -> Iterator[QueryServer]:
    """`aqkg serve` of the same store, its record pages linking to the explorer."""
    server = make_server(
        e2e_store, port=0, workers=1, quiet=True, explorer_url=f"http://127.0.0.1:{app_port}"
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def app_url(
    tmp_path_factory: pytest.TempPathFactory,
    e2e_store: Path,
    app_port: int,
    record_server: QueryServer,
) -> Iterator[str]:
    """The explorer served by `streamlit run` on a free loopback port, on a fresh store,
    linking its records to their pages on `record_server`."""
    store, port = e2e_store, app_port
    command = [
        *explore.streamlit_command(port),
        "--server.address=127.0.0.1",
        "--server.fileWatcherType=none",
    ]
    log = (tmp_path_factory.mktemp("e2e-log") / "streamlit.log").open("w+")
    server = subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, explore.STORE_ENV: str(store), "AQKG_SERVE_URL": record_server.url},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def wait_for_health(url: str, server: subprocess.Popen[bytes], log: object) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)  # type: ignore[attr-defined]
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read()}")  # type: ignore[attr-defined]
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.25)
    pytest.fail("the explorer did not answer its health check within 60 s")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Debian's headless Chromium through chromedriver; no download, no network."""
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


def chromium(profile: Path) -> WebDriver:
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not Path(binary).exists():
            pytest.fail(
                f"{binary} not found: install the Debian packages chromium and chromium-driver "
                "(scripts/setup.sh does)"
            )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1400,1900")
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, WAIT_SECONDS)


def choose(driver: WebDriver, label: str, typed: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label`, typing `typed` to filter."""
    field = wait(driver).until(
        ec.element_to_be_clickable(
            (By.XPATH, f'//div[@data-testid="stSelectbox"][.//*[text()="{label}"]]//input')
        )
    )
    field.click()
    field.send_keys(typed)
    wait(driver).until(
        ec.element_to_be_clickable((By.XPATH, f'//*[@role="option"][contains(., "{option}")]'))
    ).click()


def present(driver: WebDriver, xpath: str) -> WebElement:
    try:
        element: WebElement = wait(driver).until(ec.presence_of_element_located((By.XPATH, xpath)))
    except TimeoutException:
        pytest.fail(f"not on the page after {WAIT_SECONDS} s: {xpath}\n{page_text(driver)}")
    return element


def page_text(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


def settle_and_screenshot(driver: WebDriver, name: str) -> Path:
    """Drop focus (no open menu or focus ring), let the drawing finish, save the shot."""
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    driver.execute_script("document.activeElement && document.activeElement.blur()")
    time.sleep(1.0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    assert driver.save_screenshot(str(path)), f"could not save {path}"
    return path


def assert_no_traceback(driver: WebDriver) -> None:
    assert not driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
    assert "Traceback" not in page_text(driver)


def test_recognition_path_in_a_real_browser(app_url: str, browser: WebDriver) -> None:
    browser.get(f"{app_url}/recognition")
    present(browser, '//h1[contains(., "Recognition")]')
    choose(browser, "Qualification held", "DSD-BEW", "TH/DSD-BEW-L1")
    choose(browser, "Destination country", "Cambodia", "KH: Cambodia")
    present(browser, '//*[@data-testid="stMetricValue"][contains(., "4 of 6")]')
    present(browser, '//*[@data-testid="stMetricValue"][contains(., "close")]')
    present(browser, '//*[@data-testid="stGraphVizChart"]//*[name()="svg"]')
    text = page_text(browser)
    assert "MRS pilot corridor: Thailand with Cambodia in building electrical wiring" in text
    assert "ILLUS-KH-BEW-05" in text or "ILLUS-KH-BEW-05" in browser.page_source
    assert "qualification=TH%2FDSD-BEW-L1" in browser.current_url
    assert "to=KH" in browser.current_url
    assert_no_traceback(browser)
    shot = settle_and_screenshot(browser, "recognition.png")
    assert shot.stat().st_size > 20_000


def test_frameworks_ladder_in_a_real_browser(app_url: str, browser: WebDriver) -> None:
    browser.get(f"{app_url}/frameworks?countries=PH,MY,VN")
    present(browser, '//*[@data-testid="stVegaLiteChart"]//*[name()="canvas" or name()="svg"]')
    present(browser, '//*[contains(text(), "AQRF — ASEAN Qualifications Reference Framework")]')
    assert_no_traceback(browser)
    shot = settle_and_screenshot(browser, "frameworks.png")
    assert shot.stat().st_size > 20_000


def test_a_deep_link_opens_a_recognition(app_url: str, browser: WebDriver) -> None:
    browser.get(f"{app_url}/recognition?qualification=TH/DSD-BRK-PLS-L1&to=KH")
    present(browser, '//*[@data-testid="stMetricValue"][contains(., "MRS corridor")]')
    assert "KH/ILLUS-BRK" in page_text(browser)
    assert_no_traceback(browser)


def test_a_second_user_is_served_while_an_oversized_upload_is_refused(
    app_url: str, browser: WebDriver, tmp_path: Path
) -> None:
    """Before: one 171 KB workbook took the Streamlit process to 4.3 GB and every user down."""
    from hostile import shapes
    from test_ingest import make_workbook

    from aqkg.intake.project_files import load_project_files

    wide = shapes.wide_sheet(make_workbook(tmp_path / "wide.xlsx", load_project_files()), "units")
    browser.get(f"{app_url}/validate")
    upload = present(browser, '//input[@type="file"]')
    second = chromium(tmp_path / "second-profile")
    try:
        upload.send_keys(str(wide))
        second.get(f"{app_url}/frameworks?countries=PH")
        present(second, '//*[contains(text(), "AQRF — ASEAN Qualifications Reference Framework")]')
        assert_no_traceback(second)
    finally:
        second.quit()
    present(browser, '//*[contains(., "over the 50 column limit")]')
    assert "wide.xlsx: sheet 'units', row 1: a cell in column 51" in page_text(browser)
    assert_no_traceback(browser)


# -- accessibility: axe-core's WCAG 2.1 AA rules on every page ---------------------------------

AXE = REPO / "tests" / "e2e-node" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = {
    "overview": ("", "ASEAN qualifications and their recognition"),
    "frameworks": ("/frameworks?countries=PH,MY,VN", "Frameworks"),
    "qualifications": ("/qualifications?qualification=PH/HOUSEKEEPING-NC-II", "Qualifications"),
    "recognition": ("/recognition?qualification=TH/DSD-BEW-L1&to=KH", "Recognition"),
    "recognition, every member state": (
        "/recognition?qualification=TH/DSD-BEW-L1&to=all",
        "Recognition",
    ),
    "arrangements": ("/arrangements", "Arrangements"),
    "sparql": ("/sparql", "SPARQL"),
    "validate": ("/validate", "Validate"),
}


def axe_violations(driver: WebDriver) -> list[str]:
    """axe-core run on the page as it is, WCAG 2.0/2.1 A and AA rules: one line a problem."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} not found: run scripts/setup.sh (it installs axe-core with npm)")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' -- '"
        " + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))"
        ".catch(e => done(['axe failed: ' + e]));",
        WCAG_AA,
    )
    return list(found)


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_passes_wcag_21_aa(app_url: str, browser: WebDriver, page: str) -> None:
    path, title = PAGES[page]
    browser.get(app_url + path)
    present(browser, f'//h1[contains(., "{title}")]')
    wait(browser).until_not(
        ec.presence_of_element_located((By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'))
    )
    time.sleep(1.0)  # the last elements (charts) draw after the script ends
    assert_no_traceback(browser)
    assert axe_violations(browser) == []


def test_a_record_page_in_a_real_browser_links_both_ways(
    app_url: str, record_server: QueryServer, browser: WebDriver
) -> None:
    """The explorer links a qualification to its page on `aqkg serve`; the page reads in
    Chromium, passes axe-core's WCAG 2.1 AA rules, and links back to the explorer."""
    browser.get(app_url + "/qualifications?qualification=PH/HOUSEKEEPING-NC-II")
    link = present(browser, '//a[contains(., "as linked data")]')
    page_url = f"{record_server.url}/id/qualification/PH/HOUSEKEEPING-NC-II"
    assert link.get_attribute("href") == page_url
    browser.get(page_url)
    present(browser, '//h1[contains(., "Housekeeping NC II")]')
    assert "Curation status" in page_text(browser)
    assert axe_violations(browser) == []
    back = present(browser, '//a[contains(., "Open in the explorer")]')
    assert back.get_attribute("href") == (
        app_url + "/qualifications?qualification=PH%2FHOUSEKEEPING-NC-II"
    )
    back.click()
    present(browser, '//h1[contains(., "Qualifications")]')
    wait(browser).until(lambda driver: "Housekeeping NC II" in page_text(driver))


def test_a_listing_query_is_paged_on_the_sparql_page(app_url: str, browser: WebDriver) -> None:
    """A listing query from the catalogue: a page number, the rows of that page, how many
    rows and pages in all; the page with its result passes axe-core's WCAG 2.1 AA rules."""
    browser.get(f"{app_url}/sparql?query=mappings")
    number = present(browser, '//div[@data-testid="stNumberInput"]//input')
    number.send_keys(Keys.CONTROL, "a")
    number.send_keys("2", Keys.ENTER)
    time.sleep(1.0)
    present(browser, '//button[.//*[text()="Run query"]]').click()
    caption = present(browser, '//*[contains(text(), "Rows 101-")]')
    assert "(page 2 of" in caption.text
    assert_no_traceback(browser)
    wait(browser).until_not(
        ec.presence_of_element_located((By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'))
    )
    assert axe_violations(browser) == []
