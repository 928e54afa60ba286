"""The farming-season calendar: solar terms, lunar dates, holidays and crop phases.

Qt-free; everything here works from a script. Import from this package, not its modules:

    from services.calendar import month_view, phase_window, solar_terms, HolidayCalendar

The database side lives in ``services.calendar.store`` (region setting, edited phases, user
holidays, need windows) and ``services.calendar.catalogue`` (catalogue sync at open); they are
not imported here so that the pure calendar never loads the database layer. See
docs/calendar.md.
"""

from services.calendar.crop_phases import (
    Catalogue,
    CropPhase,
    DateSpec,
    PhaseOccurrence,
    check_phase_specs,
    load_catalogue,
    make_key,
    occurrence,
    occurrences_between,
    parse_spec,
    phase_window,
    phases_active_on,
    phases_upcoming,
    window_for_specs,
)
from services.calendar.grid import (
    GRID_DAYS,
    DayCell,
    MonthView,
    day_info,
    days_between,
    month_grid_dates,
    month_view,
)
from services.calendar.holidays import (
    HOLIDAY,
    KIND_LABELS,
    WORKDAY,
    DayStatus,
    HolidayCalendar,
    HolidayEntry,
    load_statutory,
    not_announced_message,
    statutory_calendar,
    year_announced,
)
from services.calendar.lunar import (
    LunarDate,
    festivals_on,
    leap_month,
    lunar_date,
    lunar_to_solar,
    spring_festival,
)
from services.calendar.terms import (
    MAX_YEAR,
    MIN_YEAR,
    TERM_NAMES,
    SolarTerm,
    check_year,
    current_term,
    solar_terms,
    term_date,
    term_moment,
    term_on,
)

DEFAULT_REGION = "西南"

__all__ = [
    "DEFAULT_REGION",
    "GRID_DAYS",
    "HOLIDAY",
    "KIND_LABELS",
    "MAX_YEAR",
    "MIN_YEAR",
    "TERM_NAMES",
    "WORKDAY",
    "Catalogue",
    "CropPhase",
    "DateSpec",
    "DayCell",
    "DayStatus",
    "HolidayCalendar",
    "HolidayEntry",
    "LunarDate",
    "MonthView",
    "PhaseOccurrence",
    "SolarTerm",
    "check_phase_specs",
    "check_year",
    "current_term",
    "day_info",
    "days_between",
    "festivals_on",
    "leap_month",
    "load_catalogue",
    "load_statutory",
    "lunar_date",
    "lunar_to_solar",
    "make_key",
    "month_grid_dates",
    "month_view",
    "not_announced_message",
    "occurrence",
    "occurrences_between",
    "parse_spec",
    "phase_window",
    "phases_active_on",
    "phases_upcoming",
    "solar_terms",
    "spring_festival",
    "statutory_calendar",
    "term_date",
    "term_moment",
    "term_on",
    "window_for_specs",
    "year_announced",
]
