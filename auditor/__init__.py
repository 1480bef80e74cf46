"""政府信息公开工作年度报告审核工具: audit Chinese government information-disclosure annual reports."""

from .config import Settings
from .errors import AuditorError
from .model import AuditResult

__version__ = "0.1.0"


def audit_file(path, settings=None, previous=None) -> AuditResult:
    from .pipeline import audit_file as _audit_file
    return _audit_file(path, settings, previous)


__all__ = ["AuditResult", "AuditorError", "Settings", "audit_file", "__version__"]
