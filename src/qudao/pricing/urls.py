from django.urls import path

from qudao.pricing import views

app_name = "pricing"

urlpatterns = [
    path("", views.price_list_list, name="price_list_list"),
    path("lists/new/", views.price_list_create, name="price_list_create"),
    path("lists/<int:price_list_id>/", views.price_list_detail, name="price_list_detail"),
    path("lists/<int:price_list_id>/edit/", views.price_list_edit, name="price_list_edit"),
    path("lists/<int:price_list_id>/items/", views.price_item_save, name="price_item_save"),
    path(
        "lists/<int:price_list_id>/items/<int:item_id>/remove/",
        views.price_item_remove,
        name="price_item_remove",
    ),
    path(
        "lists/<int:price_list_id>/import/", views.price_list_import_view, name="price_list_import"
    ),
    path(
        "lists/<int:price_list_id>/export.xlsx",
        views.price_list_export_view,
        name="price_list_export",
    ),
    path("controls/", views.price_control_list, name="price_control_list"),
    path("controls/<int:sku_id>/", views.price_control_edit, name="price_control_edit"),
    path("explain/", views.explain, name="explain"),
    path("shop/", views.shop_sellers, name="shop_sellers"),
    path("shop/<int:seller_id>/", views.shop, name="shop"),
]
