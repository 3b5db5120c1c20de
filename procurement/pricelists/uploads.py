"""Uploaded price lists, for every way a file comes in over HTTP (the API, the web pages)."""

from django.core.files.uploadhandler import FileUploadHandler

from procurement.pricelists.parse import max_bytes, too_large_error


class SizeLimitUploadHandler(FileUploadHandler):
    """Refuses an upload with 413 as soon as its bytes pass IMPORT_MAX_BYTES, before storing it."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > max_bytes():
            raise too_large_error(max_bytes())
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
