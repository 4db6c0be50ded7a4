"""The download portal end to end: `dti serve` in its own process, driven by Playwright in Debian's headless
Chromium. Screenshots go to build/screenshots/."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import duckdb
import openpyxl
import polars as pl
import pytest
from playwright.sync_api import expect, sync_playwright

from sources.home import PROJECT_ROOT, methodology_path
from sources.index.methodology import load_methodology
from sources.index.whatif import Changes, published_values, what_if
from sources.release.releases import latest_release, releases
from tests.test_profile import plan_section_matches, vi_numbers, why_section_matches

SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots"
# Without the background-networking flags Chromium keeps dialling Google, which this machine refuses.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def portal(published_home):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DTI_HOME": str(published_home.root)}
    server = subprocess.Popen(
        [sys.executable, "-m", "dti.cli", "serve", "--port", str(port)],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):  # a minute: on a busy machine importing the portal alone takes several seconds
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail(f"dti serve did not start: {server.stderr.read().decode()[-2000:]}")
    yield url, latest_release(published_home.exports)
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _names(page):
    return page.locator("table#ranking-2025 tbody tr:visible").evaluate_all("rows => rows.map(r => r.dataset.name)")


def test_click_through_from_the_release_list_to_a_province(portal, page):
    url, release = portal
    page.goto(url)
    expect(page.locator("#synthetic-banner")).to_contain_text("DỮ LIỆU MÔ PHỎNG")
    expect(page.locator("#releases-heading")).to_have_text("Các bản phát hành")
    page.locator("#releases").get_by_role("link", name=release).click()
    expect(page.locator("h1")).to_contain_text(release)
    page.get_by_role("link", name="Bảng xếp hạng 2025").click()
    expect(page.locator("h1")).to_have_text("Bảng xếp hạng 2025")
    expect(page.locator("table#ranking-2025 tbody tr")).to_have_count(34)
    expect(page.locator("table#ranking-2025 th").nth(1)).to_have_text("Khoảng hạng (P5–P95)")
    expect(page.locator("svg.chart")).to_have_count(1)
    _shot(page, "ranking-2025")

    first = page.locator("table#ranking-2025 tbody tr").first
    name = first.get_attribute("data-name")
    assert first.locator("td").first.inner_text() == "1"
    first.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("#rank")).to_contain_text("Hạng 1/34 năm 2025")
    expect(page.locator("#band")).to_have_text(re.compile(r"^1–\d+$"))  # the rank interval of marts.rank_uncertainty
    expect(page.locator("svg.chart:not(.target-chart) polyline")).to_have_count(4)  # index and pillars, 5 years
    assert page.locator("table#gaps tbody tr").count() > 5
    _shot(page, "province")


@pytest.mark.parametrize("width", [390, 1400])
def test_the_front_page_is_the_answer_ranking_map_search_releases(portal, browser, width):
    url, release = portal
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(url)
    expect(page.locator("h1")).to_have_text("Chỉ số chuyển đổi số cấp tỉnh")
    expect(page.locator("#answer-heading")).to_have_text("Bảng xếp hạng 2025")
    expect(page.locator("table#ranking-2025 tbody tr")).to_have_count(34)
    expect(page.locator("table#ranking-2025 th").nth(1)).to_have_text("Khoảng hạng (P5–P95)")
    # the map: one shape per unit of 2025, coloured, with a legend and the boundaries' attribution
    expect(page.locator("svg.map path.unit")).to_have_count(34)
    fills = set(page.locator("svg.map path.unit").evaluate_all("ps => ps.map(p => p.getAttribute('fill'))"))
    assert len(fills) >= 4
    expect(page.locator("svg.map")).to_contain_text("geoBoundaries.org (CC BY 4.0)")
    expect(page.locator("svg.map rect")).to_have_count(5)
    # search without diacritics
    page.get_by_placeholder("Lọc theo tên tỉnh…").fill("thai nguyen")
    assert _names(page) == ["Thái Nguyên"]
    # the releases below, each with what it changed
    expect(page.locator("#releases li")).to_have_count(1)
    expect(page.locator("#releases").get_by_role("link", name=release)).to_have_count(1)
    expect(page.locator("#releases .summary")).to_contain_text("bản phát hành đầu tiên")
    expect(page.locator("#releases .summary")).to_contain_text("phương pháp default-2026.1")
    # at 390 px nothing is cut: the page is no wider than the screen, the table scrolls in its own box
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    _shot(page, f"front-{width}")
    # the headings sort from the keyboard and say how
    heading = page.locator("table#ranking-2025 th", has_text="Điểm chỉ số")
    heading.focus()
    page.keyboard.press("Enter")
    expect(heading).to_have_attribute("aria-sort", "ascending")
    page.get_by_placeholder("Lọc theo tên tỉnh…").fill("")
    values = vi_numbers(page.locator("table#ranking-2025 tbody tr td:nth-child(4)").all_inner_texts())
    assert values == sorted(values)
    page.goto(f"{url}/?lang=en")
    expect(page.locator("#answer-heading")).to_have_text("Ranking 2025")
    expect(page.locator("#releases .summary")).to_contain_text("first release")
    context.close()


@pytest.mark.parametrize("width", [390, 1400])
def test_thai_nguyens_page_holds_nghi_quyet_01_and_the_national_targets(portal, browser, width):
    url, release = portal
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/r/{release}/2025/19")
    expect(page.locator("h1")).to_have_text("Thái Nguyên")
    expect(page.locator("#band")).to_have_text(re.compile(r"^\d+–\d+$"))
    # its place on the map: all 34 units, its own outlined
    expect(page.locator("svg.map path.unit")).to_have_count(34)
    expect(page.locator('svg.map path.unit[data-code="19"]')).to_have_attribute("stroke", "#b91c1c")
    # the targets of the former Thái Nguyên's Nghị quyết 01, carried to the current unit, beside the national ones
    own = page.locator("table#gaps tbody tr", has_text="Thái Nguyên — Nghị quyết")
    assert own.count() > 5
    assert page.locator("table#gaps tbody tr", has_text="Mục tiêu quốc gia").count() > 5
    # names, never codes; gaps in words; met targets marked
    text = page.locator("table#gaps").inner_text()
    assert "online_services_level4_pct" not in text and "dti_rank" not in text
    assert "còn thiếu" in text or "vượt" in text
    assert page.locator("table#gaps tbody tr.met").count() == page.locator("table#gaps tbody tr", has_text="✔").count()
    # a chart per target: the actual series over the years against the path to the target
    charts = page.locator("svg.target-chart")
    assert charts.count() > 5
    assert charts.first.locator("polyline.actual").count() == 1 and charts.first.locator("polyline.path").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    expect(page.get_by_role("link", name="Hồ sơ của tỉnh (PDF)")).to_have_attribute(
        "href", f"/r/{release}/files/ho-so_2025_19_SYNTHETIC.pdf"
    )
    _shot(page, f"province-19-{width}")
    context.close()


def test_the_ranking_sorts_filters_and_speaks_english(portal, page):
    url, release = portal
    page.goto(f"{url}/r/{release}/2025")
    score = page.locator("table#ranking-2025 th", has_text="Điểm chỉ số")
    score.click()
    values = vi_numbers(page.locator("table#ranking-2025 tbody tr td:nth-child(4)").all_inner_texts())
    assert values == sorted(values) and values[0] < values[-1]
    score.click()
    values = vi_numbers(page.locator("table#ranking-2025 tbody tr td:nth-child(4)").all_inner_texts())
    assert values == sorted(values, reverse=True)

    page.get_by_placeholder("Lọc theo tên tỉnh…").fill("ninh")  # without diacritics finds Bắc Ninh, Ninh Bình…
    names = _names(page)
    assert "Bắc Ninh" in names and 1 < len(names) < 34
    page.get_by_placeholder("Lọc theo tên tỉnh…").fill("Hà Nội")
    assert _names(page) == ["Thành phố Hà Nội"]
    _shot(page, "ranking-filtered")

    page.locator("#lang-toggle").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("table#ranking-2025 th").first).to_have_text("Rank")
    expect(page.locator("#synthetic-banner")).to_contain_text("SYNTHETIC DATA")
    _shot(page, "ranking-english")


def test_csv_and_excel_downloads_hold_the_ranking(portal, page, tmp_path):
    url, release = portal
    page.goto(f"{url}/r/{release}/2025")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="dti_2025_xep-hang_SYNTHETIC.csv").click()
    csv_path = tmp_path / csv_download.value.suggested_filename
    csv_download.value.save_as(csv_path)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert (
        lines[0].startswith(
            "Năm báo cáo,Hạng,Hạng tốt nhất (P5),Hạng kém nhất (P95),Hạng trung vị (mô phỏng),Mã tỉnh,Tỉnh/thành phố"
        )
        and len(lines) == 35
    )

    with page.expect_download() as excel_download:
        page.get_by_role("link", name="dti_2025_SYNTHETIC.xlsx").click()
    excel_path = tmp_path / excel_download.value.suggested_filename
    excel_download.value.save_as(excel_path)
    workbook = openpyxl.load_workbook(excel_path, read_only=True)
    assert "Phương pháp" in workbook.sheetnames
    ranking = list(workbook["Xếp hạng"].iter_rows(values_only=True))
    shown = page.locator("table#ranking-2025 tbody tr").evaluate_all("rows => rows.map(r => r.dataset.name)")
    assert [row[6] for row in ranking[2:]] == shown


def test_the_portal_serves_only_release_files(portal):
    url, release = portal
    for path in (
        f"/r/{release}/files/..%2F..%2Fpublished%2Fdti.duckdb",
        f"/r/{release}/files/%2e%2e",
        f"/r/..%2F{release}/files/manifest.json",
        f"/r/{release}/files/dti.duckdb",
        "/r/nope/2025",
        f"/r/{release}/1999",
        f"/r/{release}/2025/99",
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + path, timeout=5)
        assert refused.value.code == 404, path
    with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1]))) as raw:
        raw.sendall(
            f"GET /r/{release}/files/../../../published/dti.duckdb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
        )
        answer = raw.recv(200).decode()
    assert answer.startswith("HTTP/1.1 404")
    manifest = urllib.request.urlopen(f"{url}/r/{release}/files/manifest.json", timeout=5)
    assert manifest.status == 200


def test_json_endpoints_read_the_release(portal):
    url, release = portal

    def get(path):
        with urllib.request.urlopen(url + path, timeout=10) as response:
            assert response.headers["content-type"].startswith("application/json")
            return json.loads(response.read())

    (listed,) = get("/api/releases")
    assert listed["release_id"] == release and listed["latest"] and listed["reporting_years"][-1] == 2025
    assert listed["summary"]["vi"].startswith("bản phát hành đầu tiên")
    ranking = get("/api/r/latest/2025/ranking")
    assert ranking["release_id"] == release and len(ranking["rows"]) == 34
    assert ranking["rows"][0]["rank"] == 1 and "rank_p05" in ranking["rows"][0]
    unit = get(f"/api/r/{release}/2025/19")
    assert unit["row"]["province_name"] == "Thái Nguyên" and len(unit["history"]) == 5
    gaps = get(f"/api/r/{release}/2025/19/gaps")["gaps"]
    assert {g["target_source"] for g in gaps} == {"resolution", "national"}
    assert {g["set_by"] for g in gaps if g["target_source"] == "resolution"} == {"Thái Nguyên"}
    with pytest.raises(urllib.error.HTTPError) as missing:
        get(f"/api/r/{release}/2019/ranking")
    assert missing.value.code == 404


AXE = PROJECT_ROOT / "tests" / "vendor" / "axe.min.js"


@pytest.mark.parametrize("width", [390, 1400])
def test_every_page_passes_axe_core_at_phone_and_desktop_width(portal, browser, width):
    """axe-core's WCAG 2 A and AA rules (contrast, names, roles, ARIA) on each kind of page, with no
    violation; the pages as seen are saved under build/screenshots/."""
    url, release = portal
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for name, path in [
        ("front", "/"),
        ("release", f"/r/{release}/"),
        ("ranking", f"/r/{release}/2025"),
        ("province", f"/r/{release}/2025/19"),
        ("province-2024", f"/r/{release}/2024/19"),
        ("front-en", "/?lang=en"),
        ("whatif", f"/whatif?release={release}&year=2025&edge=index.government&op=mul&x=2&exclude=dx_districts_pct"),
        ("whatif-refused", "/whatif?edge=index.nowhere&op=mul&x=-1&lang=en"),
    ]:
        page.goto(url + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})")
        violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
        assert violations == [], (name, width, violations)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        _shot(page, f"axe-{name}-{width}")
    context.close()


# --- the what-if page (portal/whatif.py) ---------------------------------------------------------------------------


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def _ranks_after(html: str) -> dict[str, int | None]:
    rows = re.findall(r'data-code="([^"]+)" data-rank-after="(\d*)"', html)
    return {code: int(rank) if rank else None for code, rank in rows}


def _function_ranks(published_home, year: int, changes: Changes) -> tuple[dict[str, int | None], float | None]:
    """What `what_if` answers on the published warehouse (the page reads the release's files instead)."""
    with duckdb.connect(str(published_home.published), read_only=True) as con:
        values, units = published_values(con, year)
    table, rho = what_if(values, units, load_methodology(methodology_path()), year, changes)
    return dict(zip(table["province_code"], table["rank_after"])), rho


def test_whatif_a_doubled_pillar_weight_ranks_as_the_function_does(portal, published_home):
    url, release = portal
    status, html = _fetch(f"{url}/whatif?release={release}&year=2025&edge=index.government&op=mul&x=2")
    assert status == 200
    expected, rho = _function_ranks(published_home, 2025, Changes(multiply_weights={"index": {"government": 2}}))
    assert _ranks_after(html) == expected and len(expected) == 34
    assert f"<strong>{rho:.4f}</strong>".replace(".", ",") in html  # a decimal comma, as Vietnamese writes it
    assert "index.government × 2" in html
    # a comma decimal as Vietnamese writes it is the same number
    status, html = _fetch(
        f"{url}/whatif?release={release}&year=2024&edge=government.online_services_level4_pct&op=set&x=0,5"
    )
    assert status == 200


def test_whatif_without_a_change_is_the_published_ranking_with_its_intervals(portal, published_home):
    """No change: the engine's ranks are the release's, and the Monte Carlo around the (unchanged)
    methodology gives the release's own rank intervals (same samples, same seed)."""
    url, release = portal
    status, html = _fetch(f"{url}/whatif?release={release}&year=2024")
    assert status == 200 and "<strong>1,0000</strong>" in html
    (found,) = [r for r in releases(published_home.exports) if r.id == release]
    ranking = found.table("ranking", 2024)
    assert _ranks_after(html) == dict(zip(ranking["province_code"], ranking["rank"]))
    bands = dict(re.findall(r'data-code="([^"]+)".*?<td class="num band"[^>]*>(\d+–\d+)</td>', html, re.DOTALL))
    published = ranking.select("province_code", pl.format("{}–{}", "rank_p05", "rank_p95"))
    assert bands == dict(published.iter_rows()) and len(bands) == 63


HOSTILE = [
    ("edge=index.nowhere&op=mul&x=2", "không có trọng số", "no weight"),
    ("edge=index.government&op=mul&x=nan", "không phải một số dương", "not a positive number"),
    ("edge=index.government&op=mul&x=-2", "không phải một số dương", "not a positive number"),
    ("edge=index.government&op=mul&x=1e400", "không phải một số dương", "not a positive number"),
    ("edge=index.government&op=set&x=0", "phải lớn hơn 0", "must be above 0"),
    ("edge=index.government&op=mul&x=99999", "không quá 1000", "at most 1000"),
    ("edge=index.government&op=pow&x=2", "không phải mul hoặc set", "not mul or set"),
    ("edge=index.government&op=mul&x=2&edge=index.government&op=set&x=3", "được đổi hai lần", "changed twice"),
    ("edge=index.government&op=mul", "không đi cùng nhau", "do not come in step"),
    ("&".join(["edge=index.government&op=mul&x=2"] * 13), "quá nhiều thay đổi", "too many weight changes"),
    ("normalisation=zscore&aggregation=geometric", "cần điểm dương", "needs positive scores"),
    ("normalisation=loglog", "không phải một trong", "is not one of"),
    ("exclude=<script>alert(1)</script>", "không có trong khung", "not in the framework"),
    ("against=../../etc/passwd", "không có phương pháp", "no methodology"),
    ("year=1999", "không có trong bản phát hành", "is not in the release"),
    ("year=2025&year=2024", "xuất hiện nhiều lần", "given more than once"),
    ("release=../../published", "không có bản phát hành", "no release"),
    ("x=" + "9" * 5000, "quá dài", "too long"),
    (
        "&".join(
            f"exclude={code}"
            for code in (
                "online_services_level4_pct",
                "records_online_province_pct",
                "records_online_district_pct",
                "records_online_commune_pct",
                "shared_db_connected_pct",
                "open_data_agencies_pct",
                "inspections_online_pct",
                "admin_satisfaction_pct",
            )
        ),
        "không hợp lệ",
        "refused",
    ),
]


@pytest.mark.parametrize(("query", "vi", "en"), HOSTILE, ids=[q[:40] for q, _, _ in HOSTILE])
def test_whatif_refuses_hostile_fields_in_both_languages(portal, query, vi, en):
    url, _ = portal
    for lang in ("vi", "en"):
        status, html = _fetch(f"{url}/whatif?{query}&lang={lang}")
        assert status == 422, (query, status)
        assert "Yêu cầu không dùng được / The request cannot be used" in html
        assert vi in html and en in html, query
        assert "<script>alert" not in html


def test_whatif_in_the_browser_from_a_ranking_to_a_shareable_answer(portal, page, published_home):
    """From a year's ranking to the what-if page, one pillar's weight doubled in the form: the full new
    ranking is what `what_if` answers, each shift said in words beside its arrow, and the answer is a link
    that keeps its changes when the language is switched."""
    url, release = portal
    page.goto(f"{url}/r/{release}/2025")
    page.locator("#whatif-link").click()
    expect(page.locator("h1")).to_have_text("Nếu thay đổi thì sao?")
    page.get_by_label("Trọng số 1", exact=True).select_option("index.government")
    page.get_by_label("Phép 1", exact=True).select_option("mul")
    page.get_by_label("Số (lớn hơn 0, tối đa 1000) 1", exact=True).fill("2")
    page.get_by_role("button", name="Tính lại").click()
    rows = page.locator("table#whatif-ranking tbody tr")
    expect(rows).to_have_count(34)
    assert "edge=index.government" in page.url and "x=2" in page.url
    shown = rows.evaluate_all("rows => rows.map(r => [r.dataset.code, r.dataset.rankAfter])")
    expected, rho = _function_ranks(published_home, 2025, Changes(multiply_weights={"index": {"government": 2}}))
    assert {code: int(rank) for code, rank in shown} == expected
    expect(page.locator("#spearman")).to_contain_text(f"{rho:.4f}".replace(".", ","))
    expect(page.locator("td.up").first).to_contain_text(re.compile(r"▲ lên \d+ bậc"))
    expect(page.locator("td.down").first).to_contain_text(re.compile(r"▼ xuống \d+ bậc"))
    expect(page.locator("table#whatif-ranking th").nth(1)).to_have_text("Khoảng hạng sau (P5–P95)")
    _shot(page, "whatif-2025")
    page.locator("#lang-toggle").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(rows).to_have_count(34)
    expect(page.locator("#spearman")).to_contain_text(f"Spearman rank correlation of the two rankings: {rho:.4f}")
    page.goto(url)
    page.locator("#nav-whatif").click()
    expect(page.locator("h1")).to_have_text("Nếu thay đổi thì sao?")


def test_thai_nguyens_page_says_why_its_rank_changed_what_it_takes_and_where_it_is_strong(portal, page, published_home):
    """Issue 17 on the portal, from the release's own tables: the parts of the score change (they add up to
    it) and who it overtook, the paths to its targets with the probability the table holds, its strengths and
    weaknesses; in English on the English page."""
    url, release_id = portal
    (release,) = releases(published_home.exports)
    mine = pl.col("province_code") == "19"
    page.goto(f"{url}/r/{release_id}/2025/19")
    expect(page.locator("#why h2")).to_have_text("Vì sao thứ hạng thay đổi")
    html = page.content()
    why_section_matches(html, release.table("score_change_attribution", 2025).filter(mine))
    plan_section_matches(html, release.table("target_paths", 2025).filter(mine))
    expect(page.locator("#strengths table#pillar-growth tbody tr")).to_have_count(3)
    _shot(page, "province-19-why")
    page.goto(f"{url}/r/{release_id}/2025/19?lang=en")
    expect(page.locator("#why h2")).to_have_text("Why the rank changed")
    expect(page.locator("#plans h2")).to_have_text("What it takes to reach the targets")
    assert "Probability under the methodology's uncertainty" in page.locator("#plans").inner_text()
    # an earlier year of a former unit: its change from the year before, on the 63 units
    page.goto(f"{url}/r/{release_id}/2024/19")
    html = page.content()
    why_section_matches(html, release.table("score_change_attribution", 2024).filter(mine))
    assert 'id="plans"' not in html  # targets are planned from the latest year only
    page.goto(f"{url}/r/{release_id}/2021/19")
    expect(page.locator("#why")).to_contain_text("Không có năm trước để so sánh.")
