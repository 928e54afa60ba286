"""Shared fixtures.

Qt must run without a screen and the program must never touch the real user data folder, so
both are settled here, before any test module imports Qt or asks services/paths.py for a path.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.database import Database, open_database
from services.uow import UnitOfWork
from services.validation import id_number_check_char

ACTOR = "测试员"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
_CJK = re.compile(r"[\u4e00-\u9fff]")


def pytest_configure(config: pytest.Config) -> None:
    # Qt warnings fail a test (qt_log_level_fail in pyproject.toml), but the offscreen platform
    # plugin warns about itself whenever a window is shown; that one says nothing about us.
    if config.pluginmanager.hasplugin("pytest-qt"):
        config.addinivalue_line("qt_log_ignore",
                                r"^This plugin does not support propagateSizeHints\(\)")


def has_cjk(text: str) -> bool:
    """True when ``text`` contains a Chinese character (a user-facing message should)."""
    return bool(_CJK.search(text))


def make_id_number(birth: str = "19780315", region: str = "520102", seq: str = "123") -> str:
    """A valid 18-character ID number: region (6) + birth date (8) + sequence (3) + check.

    The last sequence digit decides the gender: odd for 男, even for 女.
    """
    first17 = f"{region}{birth}{seq}"
    assert len(first17) == 17 and first17.isdigit()
    return first17 + id_number_check_char(first17)


@pytest.fixture(scope="session")
def _session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("user-data")


@pytest.fixture(autouse=True)
def _isolated_data_dir(_session_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Config, backups and the default database go to a throwaway folder, for this process
    and for every subprocess a test starts; a developer's own database is never used."""
    monkeypatch.setenv("EXPERT_DISPATCH_DATA_DIR", str(_session_data_dir))
    monkeypatch.delenv("EXPERT_DISPATCH_DB", raising=False)
    return _session_data_dir


@pytest.fixture
def subprocess_env(_isolated_data_dir: Path) -> dict[str, str]:
    """The environment for a child Python (``main.py`` …): offscreen Qt, UTF-8 pipes and the
    test data folder. Where bytecode writing is switched off, each child would compile
    SQLAlchemy, Alembic … from source (seconds each); their bytecode is then cached in the
    system's temporary folder instead, never in the source tree."""
    env = dict(os.environ)
    if env.pop("PYTHONDONTWRITEBYTECODE", None) and not env.get("PYTHONPYCACHEPREFIX"):
        env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "expert-dispatch-pycache")
    env |= {"PYTHONIOENCODING": "utf-8", "QT_QPA_PLATFORM": "offscreen"}
    return env


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


def _copy_sqlite(source: Path, target: Path) -> None:
    # The online backup copies a consistent state whatever the journal mode.
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


@pytest.fixture
def db(request: pytest.FixtureRequest, db_path: Path) -> Iterator[Database]:
    """A fresh database, migrated to head, with the shipped reference data; when the test
    also asks for ``county``, the county is already in it.

    Migrating and loading the reference data takes a second or more, so each kind of database
    is built once per session through ``open_database`` and every test gets its own copy,
    opened through ``open_database`` again (already current: no migration; the reference data
    is already in it)."""
    templates: _Templates = request.getfixturevalue("_templates")
    source = templates.county_db if "county" in request.fixturenames else templates.bare_db
    _copy_sqlite(source, db_path)
    database = open_database(str(db_path), sync_reference=False)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def uow(db: Database) -> Callable[..., UnitOfWork]:
    """``with uow() as u: …; u.commit()``: a unit of work acting as ``ACTOR``."""

    def make(actor: str = ACTOR) -> UnitOfWork:
        return db.unit_of_work(actor)

    return make


@dataclass(frozen=True)
class County:
    """Plain keys of the small county built by the ``county`` fixture (no ORM objects, so they
    stay valid across sessions)."""

    township_id: int
    township: str
    village_id: int  # ordinary village
    village: str
    poor_village_id: int  # 脱贫村
    poor_village: str
    coop: str  # unit code: a cooperative in the ordinary village
    clinic: str  # unit code: the township health centre (卫生院), employer of the doctor
    tea_expert: str  # expert codes
    doctor: str
    vet: str
    tea_expert_id_number: str
    tea_expert_phone: str


def build_county(database: Database) -> County:
    """One township, two villages (one 脱贫村), two units, three experts with specialties,
    all created through the services."""
    from services import experts, places, units

    with database.unit_of_work(ACTOR) as u:
        s = u.session
        township = places.create_township(
            s, {"name": "青山镇", "code": "520121101", "latitude": 26.9, "longitude": 106.7}
        )
        village = places.create_village(s, {"name": "石门村", "township_id": township.id})
        poor = places.create_village(
            s, {"name": "茶山村", "township_id": township.id, "poverty_alleviated": True}
        )
        coop = units.create_unit(s, {
            "name": "青山镇石门村茶叶专业合作社", "unit_type": "合作社", "township_id": township.id,
            "village_id": village.id, "contact_person": "王建国", "phone": "13908510001",
        })
        clinic = units.create_unit(s, {
            "name": "青山镇卫生院", "unit_type": "卫生院", "township_id": township.id,
            "contact_person": "李芳", "phone": "0851-85520001",
        })
        tea_id = make_id_number("19700512", seq="131")
        tea = experts.create_expert(s, {
            "name": "张明远", "id_number": tea_id, "phone": "13885000001",
            "employer": "省茶叶研究所", "title": "正高级", "title_name": "研究员",
            "honours": ["省级专家"], "specialties": ["茶叶", "种植业 › 茶叶 › 茶园管理"],
        })
        doctor = experts.create_expert(s, {
            "name": "刘慧", "gender": "女", "birth_year": 1982, "phone": "13885000002",
            "employer": "青山镇卫生院", "employer_unit_id": clinic.id, "title": "副高级",
            "title_name": "副主任医师", "specialties": ["全科"],
        })
        vet = experts.create_expert(s, {
            "name": "杨志强", "gender": "男", "birth_year": 1965, "title": "中级",
            "title_name": "兽医师", "honours": "乡土专家", "specialties": "生猪、家禽",
            "retired": True,
        })
        u.commit()
        return County(
            township_id=township.id, township=township.name,
            village_id=village.id, village=village.name,
            poor_village_id=poor.id, poor_village=poor.name,
            coop=coop.code, clinic=clinic.code,
            tea_expert=tea.code, doctor=doctor.code, vet=vet.code,
            tea_expert_id_number=tea_id, tea_expert_phone="13885000001",
        )


@dataclass(frozen=True)
class _Templates:
    bare_db: Path
    county_db: Path
    county: County


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory, _session_data_dir: Path) -> _Templates:
    folder = tmp_path_factory.mktemp("templates")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EXPERT_DISPATCH_DATA_DIR", str(_session_data_dir))
        mp.delenv("EXPERT_DISPATCH_DB", raising=False)
        bare = open_database(str(folder / "bare.db"))
        bare.close()
        _copy_sqlite(folder / "bare.db", folder / "county.db")
        database = open_database(str(folder / "county.db"))
        try:
            county = build_county(database)
        finally:
            database.close()
    return _Templates(folder / "bare.db", folder / "county.db", county)


@pytest.fixture
def county(db: Database, _templates: _Templates) -> County:
    """The small county of ``build_county``, already in ``db`` (see the ``db`` fixture)."""
    return _templates.county
