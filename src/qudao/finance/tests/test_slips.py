"""Transfer slips: checked by content and size, kept in private storage, served only to the
two sides of the position."""

import importlib
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from qudao.core.errors import ValidationFailed
from qudao.core.files import private_storage
from qudao.finance import services
from qudao.finance.models import Payment, Position
from qudao.finance.tests.test_pages import PNG

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _submit(net, slip):  # type: ignore[no-untyped-def]
    position = Position.objects.get(buyer=net.dealer1, seller=net.dist1)
    return services.payment_submit_slip(
        actor=net.dealer1_admin,
        position=position,
        amount="10",
        received_on=date(2026, 11, 1),
        reference="ICBC-1",
        slip=slip,
    )


NOT_A_SCAN = ("file_type_not_allowed", "Upload a JPG, PNG or PDF file.")


@pytest.mark.parametrize(
    ("upload", "refusal"),
    [
        (("slip.pdf", EXE), NOT_A_SCAN),
        (("slip.png", b""), NOT_A_SCAN),
        (("slip.svg", b"<svg onload=alert(1)>"), NOT_A_SCAN),
        (
            ("slip.pdf", PDF + b"0" * (5 * 1024 * 1024)),
            ("file_too_large", "The file is larger than 5 MB."),
        ),
    ],
)
def test_a_bad_slip_is_refused_and_nothing_is_written(net, fin, slip_dir, upload, refusal):
    code, message = refusal
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        _submit(net, SimpleUploadedFile(*upload))
    assert (exc.value.code, exc.value.fields) == (code, {"slip": [message]})
    assert not Payment.objects.exists()
    assert _files(slip_dir) == []


def test_a_slip_is_typed_by_its_content_and_stored_privately_under_a_random_name(
    net, fin, slip_dir, settings
):
    payment = _submit(
        net, SimpleUploadedFile("../../转账.pdf", PNG, content_type="application/pdf")
    )
    name = payment.slip.name
    assert name.startswith("finance/slips/") and name.endswith(".png")
    assert len(Path(name).stem) == 24
    assert _files(slip_dir) == [name]
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing under public media
    assert (slip_dir / name).read_bytes() == PNG


def test_slips_are_configured_into_private_storage_outside_media():
    field = Payment._meta.get_field("slip")
    assert field._storage_callable is private_storage  # type: ignore[attr-defined]
    location = Path(private_storage().location).resolve()
    assert location == Path(django_settings.STORAGES["private"]["OPTIONS"]["location"]).resolve()
    assert not location.is_relative_to(Path(django_settings.MEDIA_ROOT).resolve())


def test_the_slip_is_served_to_both_sides_only(client, net, fin, slip_dir):
    payment = _submit(net, SimpleUploadedFile("slip.pdf", PDF))
    url = f"/finance/positions/{payment.position_id}/payments/{payment.pk}/slip/"
    anonymous = client.get(url)
    assert (anonymous.status_code, anonymous["Location"]) == (302, f"/accounts/login/?next={url}")
    for outsider in (net.dealer2_admin, net.dealer3_admin):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    for side in (net.dealer1_admin, fin):
        client.force_login(side)
        served = client.get(url)
        assert (served.status_code, served["Content-Type"]) == (200, "application/pdf")
        assert b"".join(served.streaming_content) == PDF


def test_an_upload_above_the_body_limit_is_refused_before_the_view(
    client, net, fin, slip_dir, settings
):
    settings.MAX_UPLOAD_BYTES = 10_000
    client.force_login(net.dealer1_admin)
    position = Position.objects.get(buyer=net.dealer1, seller=net.dist1)
    big = SimpleUploadedFile("slip.pdf", PDF + b"0" * 20_000)
    response = client.post(
        f"/api/v1/positions/{position.pk}/slips",
        {"amount": "10", "received_on": "2026-11-01", "slip": big},
    )
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "payload_too_large",
        "message": "请求体超过 10000 字节。",  # refused before the language is chosen
        "fields": {},
    }
    assert not Payment.objects.exists()


def test_the_migration_moves_existing_slips_to_private_storage(net, fin, slip_dir, tmp_path):
    migration = importlib.import_module(
        "qudao.finance.migrations.0004_payment_slip_private_storage"
    )
    payment = _submit(net, SimpleUploadedFile("slip.png", PNG))
    private = FileSystemStorage(location=tmp_path / "moved")
    assert migration.slips_move(Payment, FileSystemStorage(location=slip_dir), private) == 1
    assert _files(slip_dir) == []
    assert _files(tmp_path / "moved") == [payment.slip.name]
    assert migration.slips_move(Payment, FileSystemStorage(location=slip_dir), private) == 0
