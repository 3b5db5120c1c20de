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
