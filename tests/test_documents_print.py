"""The five printed documents from a small county, checked with poppler — tools nobody here
wrote: ``pdffonts`` (every font embedded as a subset), ``pdftotext`` (the Chinese is text, in
reading order, with no line starting with a closing mark) and ``pdftoppm`` (pages are not
blank, the 红头 is red). Also the batch (progress, cancel) and the ``print`` command line."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from services import dispatches, experts, needs, places, units
from services.cli import run
from services.database import Database, open_database
from services.documents import (
    DocumentError,
    PrintCancelled,
    font_set,
    print_certificate,
    print_dispatch_sheets,
    print_letter,
    print_month_calendar,
    print_need_list,
)
from services.documents.fonts import FontSet
from services.documents.text import NO_LINE_START
from tests.conftest import make_id_number

pytestmark = pytest.mark.skipif(
    shutil.which("pdffonts") is None or shutil.which("pdftotext") is None
    or shutil.which("pdftoppm") is None,
    reason="poppler-utils is not installed (CI installs it)",
)

ACTOR = "测试员"
ISSUED = date(2026, 5, 3)
ID_ZHANG = make_id_number("19700512", seq="131")
ID_YAN = make_id_number("19800101", region="510104", seq="235")


@dataclass(frozen=True)
class County:
    planned: str  # dispatch codes
    confirmed: str
    completed: str
    cancelled: str
    rare: str  # the dispatch of the expert named with 𠮷
    zhang: str  # expert codes
    yan: str
    retired: str


def _build(db: Database) -> County:
    with db.unit_of_work(ACTOR) as u:
        s = u.session
        town = places.create_township(s, {"name": "青山镇", "latitude": 26.9, "longitude": 106.7})
        village = places.create_village(s, {"name": "石门村", "township_id": town.id,
                                            "poverty_alleviated": True,
                                            "latitude": 26.95, "longitude": 106.75})
        coop = units.create_unit(s, {
            "name": "青山镇石门村茶叶专业合作社", "unit_type": "合作社", "township_id": town.id,
            "village_id": village.id, "contact_person": "王建国", "phone": "13908510001",
            "address": "石门村村委会旁茶叶加工厂"})
        zhang = experts.create_expert(s, {
            "name": "张明远", "id_number": ID_ZHANG, "phone": "13885000001",
            "employer": "省茶叶研究所", "title": "正高级", "title_name": "研究员",
            "home_place": "贵阳市", "home_latitude": 26.6, "home_longitude": 106.6,
            "specialties": ["茶叶"]})
        yan = experts.create_expert(s, {
            "name": "刘䶮", "id_number": ID_YAN, "phone": "13885000002",
            "employer": "农业大学", "title": "副高级", "title_name": "副教授"})
        ji = experts.create_expert(s, {
            "name": "𠮷星", "gender": "男", "birth_year": 1975, "phone": "13885000003",
            "employer": "县农业农村局", "title": "中级", "title_name": "农艺师"})
        retired = experts.create_expert(s, {
            "name": "杨志强", "gender": "男", "birth_year": 1955, "title": "中级",
            "retired": True})
        codes = []
        for i in range(24):
            need = needs.create_need(s, {
                "title": f"春茶采摘与加工技术指导（第{i + 1}批）", "unit": coop.code,
                "field": "茶叶", "window_start": "2026-04-01", "window_end": "2026-05-31",
                "submitted_on": "2026-02-01", "days_wanted": 3,
                "description": "合作社新建名优绿茶加工线，缺少杀青、揉捻工艺经验，春茶品质不稳定，"
                               "希望专家现场指导加工工艺，并培训制茶工人20人。" * (1 + i % 3),
            }, ACTOR)
            needs.set_status(s, need.code, "reviewed", ACTOR)
            codes.append(need.code)

        def send(need: str, expert: str, start: str, end: str, tasks: str = "") -> str:
            return dispatches.create_dispatch(s, {"need": need, "expert": expert,
                                                  "start_date": start, "end_date": end,
                                                  "tasks": tasks}).code

        completed = send(codes[0], zhang.code, "2026-04-08", "2026-04-10",
                         "现场诊断加工线设备与工艺参数；培训制茶工人；制定春茶加工技术规程。")
        dispatches.set_dispatch_status(s, completed, dispatches.DispatchStatus.CONFIRMED)
        dispatches.set_dispatch_status(s, completed, dispatches.DispatchStatus.COMPLETED)
        confirmed = send(codes[1], zhang.code, "2026-05-06", "2026-05-08")
        dispatches.set_dispatch_status(s, confirmed, dispatches.DispatchStatus.CONFIRMED)
        planned = send(codes[2], yan.code, "2026-05-11", "2026-05-12")
        cancelled = send(codes[3], yan.code, "2026-05-20", "2026-05-20")
        dispatches.set_dispatch_status(s, cancelled, dispatches.DispatchStatus.CANCELLED,
                                       "专家临时有手术")
        rare = send(codes[4], ji.code, "2026-05-14", "2026-05-15")
        u.commit()
        return County(planned, confirmed, completed, cancelled, rare, zhang.code, yan.code,
                      retired.code)


@pytest.fixture(scope="module")
def county_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, County]]:
    db = open_database(str(tmp_path_factory.mktemp("documents") / "county.db"))
    try:
        yield db, _build(db)
    finally:
        db.close()


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    # The shipped fonts, as on a machine without Windows fonts (CI, and any test run).
    return font_set(font_dirs=[])


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdf")


# -- poppler ------------------------------------------------------------------------------------


def pdffonts(pdf: Path) -> list[dict[str, str]]:
    text = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    rows = []
    for line in text.splitlines()[2:]:
        # name, type (may hold spaces: "Type 1", "CID TrueType"), encoding, emb, sub, uni, id
        m = re.match(r"^(\S+)\s+(.+?)\s{2,}(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$",
                     line)
        assert m, f"unexpected pdffonts line: {line!r}"
        rows.append(dict(zip(("name", "type", "encoding", "emb", "sub", "uni"), m.groups(),
                             strict=True)))
    return rows


def pdftotext(pdf: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def page_count(pdf: Path) -> int:
    return len(pdftotext(pdf).split("\f")) - 1


def render(pdf: Path, page: int = 1, dpi: int = 40) -> Image.Image:
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), f"{prefix}-p{page}"], check=True)
    return Image.open(f"{prefix}-p{page}.png").convert("RGB")


def check_pdf(pdf: Path) -> str:
    """Every font an embedded TrueType subset with a Unicode map; Chinese extractable; no
    extracted line starts with a closing mark; first page not blank. Returns the text."""
    fonts = pdffonts(pdf)
    assert fonts, "no fonts in the PDF"
    for f in fonts:
        assert f["emb"] == "yes" and f["sub"] == "yes" and f["uni"] == "yes", f
        assert f["type"] == "TrueType", f  # never an unembedded base-14 or CID font
        assert re.match(r"^[A-Z]{6}\+", f["name"]), f
    assert len({f["name"] for f in fonts}) == len(fonts)  # each subset embedded once
    text = pdftotext(pdf)
    assert re.search(r"[\u4e00-\u9fff]", text)
    for line in pdftotext(pdf, "-layout").splitlines():
        for cell in re.split(r"\s{2,}", line.strip()):
            assert not cell or cell[0] not in NO_LINE_START, f"line starts with a mark: {line!r}"
    image = render(pdf)
    ink = sum(1 for px in image.get_flattened_data() if sum(px) < 600)
    assert ink > image.width * image.height * 0.005, "page 1 is blank"
    return text


def squeeze(text: str) -> str:
    """Extracted text without the spaces and line ends that layout puts in."""
    return re.sub(r"\s+", "", text)


def in_order(text: str, items: list[str]) -> list[str]:
    """The items not found in ``text`` one after the other (reading order): [] when all are."""
    pos, missing = 0, []
    for item in items:
        found = text.find(item, pos)
        if found < 0:
            missing.append(item)
        else:
            pos = found + len(item)
    return missing


def red_pixels(image: Image.Image, top_fraction: float = 0.15) -> int:
    box = image.crop((0, 0, image.width, int(image.height * top_fraction)))
    return sum(1 for r, g, b in box.get_flattened_data() if r > 170 and g < 90 and b < 90)


# -- the documents -----------------------------------------------------------------------------


def test_dispatch_sheet_with_receipt_on_one_page(county_db: tuple[Database, County],
                                                  fonts: FontSet, out: Path) -> None:
    db, c = county_db
    pdf = out / "派遣单.pdf"
    with db.session() as s:
        result = print_dispatch_sheets(s, [c.confirmed], pdf, issued_on=ISSUED, fonts=fonts)
    assert (result.documents, result.pages) == (1, 1)
    assert page_count(pdf) == 1
    text = squeeze(check_pdf(pdf))
    # Reading order: 红头, number, title, addressee, table, signature, cut line, 回执.
    assert in_order(text, [
        "云岭县人力资源和社会保障局", "云人社派〔2026〕", "专家服务基层派遣单",
        "青山镇石门村茶叶专业合作社：", "决定派遣张明远同志于2026年5月6日至8日", "专家姓名",
        "张明远", "省茶叶研究所", "服务地点", "青山镇石门村村委会旁茶叶加工厂", "交通路线",
        "自贵阳市出发", "服务时间", "立夏", "经费", "二〇二六年五月三日", "沿此线剪下", "回执",
        "到达日期", "满意", "基本满意", "不满意"]) == []
    assert ID_ZHANG not in text and ID_ZHANG[:4] + "*" * 10 + ID_ZHANG[-4:] in text
    assert red_pixels(render(pdf)) > 50  # the bureau's name and the rule are red


def test_batch_is_one_pdf_with_progress_and_cancel(county_db: tuple[Database, County],
                                                   fonts: FontSet, out: Path) -> None:
    db, c = county_db
    pdf = out / "全部派遣单.pdf"
    calls: list[tuple[int, int]] = []
    with db.session() as s:
        result = print_dispatch_sheets(s, None, pdf, issued_on=ISSUED, fonts=fonts,
                                       progress=lambda done, total, _: calls.append((done, total)))
    # --all: planned and confirmed only (not the completed, not the cancelled).
    assert result.documents == 3
    assert calls[0] == (0, 3) and calls[-1] == (3, 3)
    text = squeeze(check_pdf(pdf))
    for code in (c.planned, c.confirmed, c.rare):
        assert code in text
    assert c.completed not in text and c.cancelled not in text
    assert "待确认" in text  # the planned one is marked as a draft
    # The rare surnames are real text (ToUnicode), not boxes.
    assert "刘䶮" in text and "𠮷星" in text
    assert "□" not in re.sub(r"□(?=(基本|不)?满意)", "", text)  # only the tick boxes
    assert result.missing == []

    cancelled_pdf = out / "取消.pdf"
    seen: list[int] = []
    with db.session() as s, pytest.raises(PrintCancelled) as exc:
        print_dispatch_sheets(s, None, cancelled_pdf, fonts=fonts,
                              progress=lambda done, total, _: seen.append(done),
                              cancelled=lambda: len(seen) >= 2)
    assert "已取消" in exc.value.message
    assert not cancelled_pdf.exists()
    assert list(out.glob(".*.part")) == []


def test_id_numbers_in_full_only_when_asked(county_db: tuple[Database, County], fonts: FontSet,
                                            out: Path) -> None:
    db, c = county_db
    pdf = out / "完整身份证号.pdf"
    with db.session() as s:
        print_dispatch_sheets(s, [c.planned], pdf, fonts=fonts, show_id_numbers=True)
    assert ID_YAN in squeeze(pdftotext(pdf))


def test_cancelled_dispatches_and_unknown_codes_are_refused(
        county_db: tuple[Database, County], fonts: FontSet, out: Path) -> None:
    db, c = county_db
    with db.session() as s:
        with pytest.raises(DocumentError) as exc:
            print_dispatch_sheets(s, [c.cancelled], out / "x.pdf", fonts=fonts)
        assert "已取消" in exc.value.message
        with pytest.raises(Exception) as missing:
            print_dispatch_sheets(s, ["PQ-2026-9999"], out / "x.pdf", fonts=fonts)
        assert "找不到" in str(missing.value)
    assert not (out / "x.pdf").exists()


def test_letter_to_the_employer(county_db: tuple[Database, County], fonts: FontSet,
                                out: Path) -> None:
    db, c = county_db
    pdf = out / "商调函.pdf"
    with db.session() as s:
        print_letter(s, c.confirmed, pdf, issued_on=ISSUED, fonts=fonts)
    assert page_count(pdf) == 1
    text = squeeze(check_pdf(pdf))
    assert in_order(text, [
        "云岭县人力资源和社会保障局", "云人社函〔2026〕", "关于商调张明远同志参加",
        "专家服务基层活动的函", "省茶叶研究所：", "研究员张明远同志", "2026年5月6日至8日",
        "特此函商。", "云岭县人力资源和社会保障局", "二〇二六年五月三日"]) == []
    assert red_pixels(render(pdf), 0.2) > 50


def test_no_letter_for_an_expert_without_employer(county_db: tuple[Database, County],
                                                  fonts: FontSet, out: Path) -> None:
    db, c = county_db
    with db.unit_of_work(ACTOR) as u:
        retired_need = needs.list_needs(u.session)[10]["code"]
        code = dispatches.create_dispatch(u.session, {
            "need": retired_need, "expert": c.retired, "start_date": "2026-06-01"}).code
        u.commit()
    with db.session() as s, pytest.raises(DocumentError) as exc:
        print_letter(s, code, out / "退休.pdf", fonts=fonts)
    assert "退休" in exc.value.message
    with db.unit_of_work(ACTOR) as u:
        dispatches.set_dispatch_status(u.session, code, dispatches.DispatchStatus.CANCELLED,
                                       "测试结束")
        u.commit()


def test_need_list_landscape_with_header_and_page_numbers_on_every_page(
        county_db: tuple[Database, County], fonts: FontSet, out: Path) -> None:
    db, _ = county_db
    pdf = out / "需求清单.pdf"
    with db.session() as s:
        result = print_need_list(s, pdf, year=2026, issued_on=ISSUED, fonts=fonts)
    assert result.documents == 24
    check_pdf(pdf)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+841\.89 x 595\.2", info), info  # A4 landscape
    pages = pdftotext(pdf).split("\f")[:-1]
    assert len(pages) == result.pages >= 2
    for n, page in enumerate(pages, 1):
        flat = squeeze(page)
        assert "需求编号" in flat and "需求内容" in flat  # the header row is repeated
        assert f"第{n}页共{len(pages)}页" in flat
    everything = squeeze("".join(pages))
    assert everything.index("XQ-2026-0001") < everything.index("XQ-2026-0024")
    assert "★" in everything  # 石门村 is a 脱贫村


def test_certificate_counts_completed_days_only(county_db: tuple[Database, County],
                                                fonts: FontSet, out: Path) -> None:
    db, c = county_db
    pdf = out / "证明.pdf"
    with db.session() as s:
        print_certificate(s, c.zhang, pdf, issued_on=ISSUED, fonts=fonts)
    text = squeeze(check_pdf(pdf))
    assert "服务基层经历证明" in text
    assert "累计服务基层3天" in text  # the completed visit; the confirmed one not yet
    assert c.completed in text and c.confirmed not in text
    assert ID_ZHANG not in text
    assert text.index("特此证明。") < text.index("二〇二六年五月三日")
    with db.session() as s, pytest.raises(DocumentError) as exc:
        print_certificate(s, c.yan, out / "无.pdf", fonts=fonts)
    assert "没有已完成的派遣" in exc.value.message


def test_month_calendar(county_db: tuple[Database, County], fonts: FontSet, out: Path) -> None:
    db, _ = county_db
    pdf = out / "农时月历.pdf"
    with db.session() as s:
        result = print_month_calendar(s, 2026, [5], pdf, fonts=fonts)
    assert result.pages == 1
    text = squeeze(check_pdf(pdf))
    for expected in ("2026年5月", "农时月历", "星期一", "星期日", "立夏", "小满", "劳动节",
                     "张明远", "本月节气", "本月农时"):
        assert expected in text, expected
    # 5月6日 (a Wednesday) shows 张明远's visit; lunar dates are there too (5月1日 is 十五).
    assert "十五" in text


def test_the_print_command_line(county_db: tuple[Database, County], out: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    db, c = county_db
    path = db.display_name
    target = out / "命令行.pdf"
    assert run(["print", "dispatch", "--db", path, c.confirmed, c.planned, "--out",
                str(target), "--date", "2026-05-03"]) == 0
    assert "派遣单 2 份" in capsys.readouterr().out
    assert squeeze(pdftotext(target)).count("专家服务基层派遣单") >= 2
    assert run(["print", "dispatch", "--db", path, "--all", "--out", str(target)]) == 0
    assert run(["print", "dispatch", "--db", path, "--out", str(target)]) == 2
    assert "--all" in capsys.readouterr().err
    assert run(["print", "dispatch", "--db", path, c.cancelled, "--out", str(target)]) == 2
    assert "已取消" in capsys.readouterr().err
    for argv in (["letter", c.confirmed], ["needs", "--status", "已论证"],
                 ["certificate", c.zhang], ["calendar", "--year", "2026", "--month", "5"]):
        assert run(["print", *argv, "--db", path, "--out", str(target)]) == 0, argv
        assert "已生成" in capsys.readouterr().out
    assert run(["print", "calendar", "--db", path, "--year", "2026", "--month", "13",
                "--out", str(target)]) == 2
    assert "月份" in capsys.readouterr().err


def test_a_name_no_font_can_print_is_reported_on_the_command_line(
        county_db: tuple[Database, County], out: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = county_db
    made_up = "\ue000"  # a character from an office's own 造字 font (private use area)
    with db.unit_of_work(ACTOR) as u:
        expert = experts.create_expert(u.session, {
            "name": "李" + made_up, "gender": "女", "birth_year": 1980,
            "phone": "13885000009", "employer": "县人民医院"})
        need = needs.list_needs(u.session)[12]["code"]
        code = dispatches.create_dispatch(u.session, {
            "need": need, "expert": expert.code, "start_date": "2026-06-10"}).code
        u.commit()
    target = out / "缺字.pdf"
    try:
        assert run(["print", "dispatch", "--db", db.display_name, code, "--out",
                    str(target)]) == 0
        captured = capsys.readouterr()
        assert "U+E000" in captured.err and f"派遣单 {code}" in captured.err
        assert "李□" in squeeze(pdftotext(target))
    finally:
        with db.unit_of_work(ACTOR) as u:
            dispatches.set_dispatch_status(u.session, code, dispatches.DispatchStatus.CANCELLED,
                                           "测试结束")
            u.commit()
