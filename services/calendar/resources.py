"""Where the calendar's data files live (``resources/calendar/`` at the project root)."""

from __future__ import annotations

from pathlib import Path

# services/calendar/resources.py -> project root; a frozen build keeps the same layout.
RESOURCES_DIR = Path(__file__).resolve().parents[2] / "resources" / "calendar"
HOLIDAYS_FILE = RESOURCES_DIR / "holidays_cn.json"
CATALOGUE_FILE = RESOURCES_DIR / "crop_phases.toml"
