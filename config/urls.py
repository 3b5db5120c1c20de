from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from procurement.core.views import ApiIndexView, health
from procurement.web.views.accounts import language_page

api_v1: list[URLPattern | URLResolver] = [
    path("", ApiIndexView.as_view(), name="api-index"),
    path("", include("procurement.accounts.api.urls")),
    path("", include("procurement.catalog.api.urls")),
    path("", include("procurement.pricelists.api.urls")),
    path("", include("procurement.orders.api.urls")),
]

urlpatterns = [
    path("api/v1", ApiIndexView.as_view()),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("health", health, name="health"),
    path("admin/", admin.site.urls),
    # Django's language switch, kept as the account's language too.
    path("i18n/setlang/", language_page, name="set_language"),
    # The web pages for buyers and suppliers, from `/`.
    path("", include("procurement.web.urls")),
]

# Errors on API paths answer {"Status": false, "Errors": ...}; the admin keeps Django's pages.
handler400 = "procurement.core.views.bad_request"
handler403 = "procurement.core.views.permission_denied"
handler404 = "procurement.core.views.not_found"
handler500 = "procurement.core.views.server_error"
