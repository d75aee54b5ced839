"""Dealer records for tests of the later stages. Admission tests go through the services
(application_submit …); tests of onboarding, documents, contracts, grading and closing
arrange a dealer at the stage they start from with `dealer_at`."""

import itertools
import secrets
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from qudao.dealers.models import Dealer
from qudao.network.models import Division, Org

_n = itertools.count(1)

# 15 USCCs with valid checksums, made from a fixed stem (stdnum computes the check digit).
_STEM = "91330100MA2"


def valid_uscc(n: int | None = None) -> str:
    n = next(_n) if n is None else n
    body = f"{_STEM}{n:06d}"[:17]
    return body + stdnum_uscc.calc_check_digit(body)


def dealer_at(
    brand: Org, stage: str = "prospect", *, org: Org | None = None, **fields: Any
) -> Dealer:
    n = next(_n)
    district = Division.objects.filter(code="330105").first()  # 杭州市拱墅区
    data: dict[str, Any] = {
        "brand": brand,
        "number": f"DA-TEST-{n:05d}",
        "token": secrets.token_urlsafe(24),
        "stage": stage,
        "org": org,
        "company_name": org.name if org else f"杭州测试{n}电动车行",
        "uscc": (org.uscc if org and org.uscc else valid_uscc(n)),
        "legal_rep": "王建国",
        "contact_name": "王建国",
        "contact_phone": f"1380000{n:04d}",
        "province_id": "33" if district else None,
        "city_id": "3301" if district else None,
        "district_id": "330105" if district else None,
        "address": "拱墅区莫干山路100号",
        "intended_territory": ["330105"],
        "registered_capital": "500000.00",
        "store_area": "200.0",
        "years_in_business": 6,
        "brands_carried": ["雅迪", "爱玛"],
    }
    data.update(fields)
    return Dealer.objects.create(**data)
