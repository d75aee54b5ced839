from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from qudao.api import api

urlpatterns = [
    path("", include("qudao.core.urls")),
    path("accounts/", include("qudao.accounts.urls")),
    path("network/", include("qudao.network.urls")),
    path("catalog/", include("qudao.catalog.urls")),
    path("pricing/", include("qudao.pricing.urls")),
    path("finance/", include("qudao.finance.urls")),
    path("inventory/", include("qudao.inventory.urls")),
    path("orders/", include("qudao.orders.urls")),
    path("promotions/", include("qudao.promotions.urls")),
    path("dealers/", include("qudao.dealers.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]

handler404 = "qudao.core.views.page_not_found"
handler403 = "qudao.core.views.permission_denied"
handler500 = "qudao.core.views.server_error"

if settings.DEBUG:  # media in development only; production serves it from storage
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
