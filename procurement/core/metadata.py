from rest_framework.metadata import SimpleMetadata


class ApiMetadata(SimpleMetadata):
    """OPTIONS answers with the view's name, description and media types only.

    DRF's default also describes the fields of each write action, which builds
    serializers (and may look objects up) for a request that asked for none of it.
    """

    def determine_metadata(self, request, view):
        metadata = super().determine_metadata(request, view)
        metadata.pop("actions", None)
        return metadata

    def determine_actions(self, request, view):
        return {}
