"""Domain logic of 专家服务基层调度: validation, workflow, calendar, documents, import/export.

Nothing in this package imports Qt (tests/test_layering.py enforces it): every feature works
from a script or the command line.
"""
