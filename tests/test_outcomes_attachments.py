"""services/outcomes/attachments.py: files copied under their checksum, duplicates refused,
a missing or altered file reported in Chinese, removal deleting the file only on commit."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from services.errors import ServiceError, ValidationError
from services.outcomes import attachments, records
from tests.conftest import has_cjk
from tests.matching_support import SmallCounty
from tests.outcomes_support import Uow, make_dispatch, small_county


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of this test's own: tests must not share attachment files."""
    data = tmp_path / "data"
    monkeypatch.setenv("EXPERT_DISPATCH_DATA_DIR", str(data))
    return data / "attachments"


@pytest.fixture
def dispatch(uow: Uow, folder: Path) -> str:
    small: SmallCounty = small_county(uow)
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-09")
    with uow() as u:
        records.save_record(u.session, code, {"trainings": 1, "people_trained": 30},
                            today=date(2025, 12, 31))
        u.commit()
    return code


def add(uow: Uow, code: str, path: Path, kind: str = "照片") -> int:
    with uow() as u:
        a = attachments.add_attachment(u.session, code, path, kind)
        u.commit()
        return a.id


def test_file_is_copied_under_its_checksum(uow: Uow, dispatch: str, folder: Path,
                                           tmp_path: Path) -> None:
    source = tmp_path / "现场照片.JPG"
    content = b"\xff\xd8 photo of the tea garden"
    source.write_bytes(content)
    attachment_id = add(uow, dispatch, source)
    source.unlink()  # the user tidies their desktop: the copy must not care
    sha = hashlib.sha256(content).hexdigest()
    with uow() as u:
        rows = attachments.list_attachments(u.session, dispatch)
        path = attachments.open_path(u.session, attachment_id)
        out = attachments.export_attachment(u.session, attachment_id, tmp_path)
    assert [(r["file_name"], r["sha256"], r["size"], r["state"]) for r in rows] == [
        ("现场照片.JPG", sha, len(content), "ok")]
    assert path == folder / sha[:2] / f"{sha}.jpg" and path.read_bytes() == content
    assert out == tmp_path / "现场照片.JPG" and out.read_bytes() == content


def test_same_content_twice_and_bad_input_are_refused(uow: Uow, dispatch: str,
                                                      tmp_path: Path) -> None:
    one, two = tmp_path / "a.png", tmp_path / "b.png"
    one.write_bytes(b"same")
    two.write_bytes(b"same")
    add(uow, dispatch, one)
    with pytest.raises(ValidationError, match=dispatch):
        add(uow, dispatch, two)
    with pytest.raises(ValidationError) as err:
        add(uow, dispatch, tmp_path / "nowhere.png")
    assert "file" in err.value.errors
    with pytest.raises(ValidationError) as err:
        add(uow, dispatch, one, kind="录像")
    assert "kind" in err.value.errors


def test_too_large_a_file_is_refused(uow: Uow, dispatch: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 10)
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"x" * 11)
    with pytest.raises(ValidationError, match="太大"):
        add(uow, dispatch, big)


def test_no_attachment_without_a_record(uow: Uow, folder: Path, tmp_path: Path) -> None:
    small = small_county(uow)
    code = make_dispatch(uow, small.coop, "茶园管理", small.tea, "2025-04-08", "2025-04-09")
    f = tmp_path / "x.txt"
    f.write_text("签到表")
    with pytest.raises(ValidationError, match="服务记录"):
        add(uow, code, f)


def test_checksum_mismatch_and_missing_file_are_reported(uow: Uow, dispatch: str,
                                                         folder: Path, tmp_path: Path) -> None:
    kept, altered, lost = (tmp_path / n for n in ("签到表.png", "回执.png", "照片.png"))
    for i, f in enumerate((kept, altered, lost)):
        f.write_bytes(f"content {i}".encode())
    ids = [add(uow, dispatch, f) for f in (kept, altered, lost)]
    with uow() as u:
        paths = [attachments.stored_path(u.session.get(attachments.Attachment, i).stored_name)
                 for i in ids]
    paths[1].write_bytes(b"content X")  # same size, other content
    paths[2].unlink()
    with uow() as u:
        checks = attachments.verify(u.session)
        with pytest.raises(ServiceError, match="校验码不符"):
            attachments.open_path(u.session, ids[1])
    assert [c.state for c in checks] == ["ok", "altered", "missing"]
    assert all(has_cjk(c.message) for c in checks)
    assert dispatch in checks[2].message and "照片.png" in checks[2].message


def test_removal_deletes_the_file_only_on_commit(uow: Uow, dispatch: str,
                                                 tmp_path: Path) -> None:
    f = tmp_path / "总结.txt"
    f.write_text("服务总结")
    attachment_id = add(uow, dispatch, f)
    with uow() as u:
        path = attachments.open_path(u.session, attachment_id)
        attachments.remove_attachment(u.session, attachment_id)
        # rolled back: nothing happened
    assert path.exists()
    with uow() as u:
        attachments.remove_attachment(u.session, attachment_id)
        u.commit()
    assert not path.exists()
    with uow() as u:
        assert attachments.list_attachments(u.session, dispatch) == []
