"""The desktop GUI (PySide6): windows, dialogs and Qt item models over services.

No SQL and no business rule here; every action calls a service.
"""
