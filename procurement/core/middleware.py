from procurement.core.exception_handler import database_error_response


class OptionalTrailingSlashMiddleware:
    """`/api/v1/basket/` is served as `/api/v1/basket`: the API's paths have no trailing slash."""

    prefix = "/api/v1/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(self.prefix) and path.endswith("/") and len(path) > len(self.prefix):
            request.path_info = path.rstrip("/")
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A view outside DRF (the admin, health) that finds the database away or in a conflict
    answers 503 with Retry-After in the API's error shape, not 500. DRF views get the same
    from the exception handler; an error raised in another middleware, from handler500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_error_response(exception)
