"""`qudao check-ledgers` (the name DESIGN.md uses) = `qudao check_ledgers`."""

from qudao.core.management.commands.check_ledgers import Command

__all__ = ["Command"]
