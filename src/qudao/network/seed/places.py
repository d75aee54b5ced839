"""Where the demo network is: the HQ and the regions' cities of `data/demo_places.json`,
resolved to the Division rows that `qudao load_divisions` fills."""

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from qudao.network.constants import DivisionLevel
from qudao.network.models import Division
from qudao.network.seed.base import SeedError

PLACES_FILE = Path(__file__).parent.parent / "data" / "demo_places.json"


@dataclass(frozen=True)
class City:
    province: Division
    city: Division
    districts: tuple[Division, ...]
    lat: float
    lng: float

    @property
    def label(self) -> str:
        # Municipalities' city level is "市辖区"; people say 上海, not 市辖区.
        name = self.province.name if self.city.name == "市辖区" else self.city.name
        return name.removesuffix("市")


@dataclass(frozen=True)
class Region:
    name: str
    cities: tuple[City, ...]


@dataclass(frozen=True)
class Places:
    hq_city: City
    hq_district: Division
    hq_address: str
    regions: tuple[Region, ...]


def _resolve_cities(rows: list[tuple[str, str, float, float]]) -> list[City]:
    """Division rows for (province, city) names, in the order given."""
    names = {row[0] for row in rows}
    provinces = {
        d.name: d for d in Division.objects.filter(level=DivisionLevel.PROVINCE, name__in=names)
    }
    if len(provinces) != len(names):
        raise SeedError(
            f"Administrative divisions missing ({sorted(names - provinces.keys())}): "
            "run `qudao load_divisions` first."
        )
    cities = {
        (d.parent_id, d.name): d
        for d in Division.objects.filter(level=DivisionLevel.CITY, parent__in=provinces.values())
    }
    districts: dict[str | None, list[Division]] = defaultdict(list)
    for d in Division.objects.filter(
        level=DivisionLevel.DISTRICT, parent__parent__in=provinces.values()
    ).order_by("code"):
        districts[d.parent_id].append(d)
    resolved = []
    for province_name, city_name, lat, lng in rows:
        province = provinces[province_name]
        city = cities.get((province.code, city_name))
        if city is None:
            raise SeedError(f"{province_name}{city_name} is not in the division table.")
        # Urban districts keep outlets near the centre the coordinates describe; 9-digit
        # codes are sub-district towns (东莞, 中山), not districts.
        own = [d for d in districts[city.code] if len(d.code) == 6]
        urban = tuple(d for d in own if d.name.endswith("区")) or tuple(own)
        if not urban:
            raise SeedError(f"{province_name}{city_name} has no districts in the table.")
        resolved.append(City(province, city, urban, lat, lng))
    return resolved


def load_places(*, source: Path = PLACES_FILE) -> Places:
    """The HQ address and the regions' cities, resolved to Division rows by name: codes always
    come from the table that `qudao load_divisions` fills, never from this file."""
    data = json.loads(source.read_text(encoding="utf-8"))
    hq = data["hq"]
    # The HQ is row 0: its "city centre" is the HQ's own point, placed without jitter.
    rows = [(hq["province"], hq["city"], hq["lat"], hq["lng"])]
    bounds = []
    for region in data["regions"]:
        bounds.append((region["name"], len(rows), len(rows) + len(region["cities"])))
        rows.extend(tuple(row) for row in region["cities"])
    cities = _resolve_cities(rows)
    hq_district = Division.objects.filter(parent=cities[0].city, name=hq["district"]).first()
    if hq_district is None:
        raise SeedError(f"{hq['city']}{hq['district']} is not in the division table.")
    return Places(
        hq_city=cities[0],
        hq_district=hq_district,
        hq_address=hq["address"],
        regions=tuple(Region(name, tuple(cities[a:b])) for name, a, b in bounds),
    )
