import json

from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from procurement.core.messages import json_problem


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, whose errors say in the client's language what is wrong where; a
    body nested too deeply to decode is a 400 like any other bad JSON."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error: the body is nested too deeply.")) from None
        except ParseError as error:
            cause = error.__context__
            if isinstance(cause, json.JSONDecodeError):
                message = _("JSON parse error: line %(line)d, column %(column)d: %(problem)s") % {
                    "line": cause.lineno,
                    "column": cause.colno,
                    "problem": json_problem(cause),
                }
            elif isinstance(cause, UnicodeDecodeError):
                message = _("JSON parse error: the body is not UTF-8.")
            else:
                raise
            raise ParseError(message) from None


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, whose error says in the client's language that the body could
    not be read (what was wrong with it stays Django's words)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as error:
            cause = error.__context__
            if not isinstance(cause, MultiPartParserError):
                raise
            raise ParseError(
                _("The multipart body could not be read: %(problem)s") % {"problem": cause}
            ) from None
