"""Unreadable input: an AuditorError carries a stable code and a Chinese message a user can act on.

A defective report is not an error (it yields findings); a bug is an ordinary exception.
"""

from __future__ import annotations


class AuditorError(Exception):
    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


class FileMissing(AuditorError):
    code = "file_not_found"


class EmptyFile(AuditorError):
    code = "empty_file"


class UnsupportedFormat(AuditorError):
    code = "unsupported_format"


class FileTooLarge(AuditorError):
    code = "file_too_large"


class CorruptFile(AuditorError):
    code = "corrupt_file"


class EncryptedPdf(AuditorError):
    code = "encrypted_pdf"


class NoTextLayer(AuditorError):
    code = "no_text_layer"


class NotAReport(AuditorError):
    code = "not_a_report"


# ---------------------------------------------------------------- batch: one file of many could not be audited


class UnsafeArchiveMember(AuditorError):
    code = "unsafe_path"


class EncryptedMember(AuditorError):
    code = "encrypted_member"


class ArchiveBomb(AuditorError):
    code = "archive_bomb"


class TooManyMembers(AuditorError):
    code = "too_many_members"


class AuditTimeout(AuditorError):
    code = "timeout"


class WorkerCrashed(AuditorError):
    code = "worker_crashed"


class OutOfMemory(AuditorError):
    code = "out_of_memory"


class NoInput(AuditorError):
    code = "no_input"


class BatchBusy(AuditorError):
    code = "batch_busy"


class UnreadableFile(AuditorError):
    code = "unreadable_file"
