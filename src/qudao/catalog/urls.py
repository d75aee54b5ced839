from django.urls import path

from qudao.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:product_id>/", views.product_detail, name="product_detail"),
    path("products/<int:product_id>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:product_id>/image/", views.product_image, name="product_image"),
    path("products/<int:product_id>/skus/new/", views.sku_create, name="sku_create"),
    path("skus/<int:sku_id>/", views.sku_detail, name="sku_detail"),
    path("skus/<int:sku_id>/edit/", views.sku_edit, name="sku_edit"),
    path("skus/<int:sku_id>/packs/", views.pack_add, name="pack_add"),
    path("skus/<int:sku_id>/packs/remove/", views.pack_remove, name="pack_remove"),
    path("skus/<int:sku_id>/fitments/", views.fitment_add, name="fitment_add"),
    path(
        "skus/<int:sku_id>/fitments/<int:product_id>/remove/",
        views.fitment_remove,
        name="fitment_remove",
    ),
    path("categories/", views.category_list, name="category_list"),
    path("categories/new/", views.category_create, name="category_create"),
    path("categories/<int:category_id>/rename/", views.category_rename, name="category_rename"),
    path("categories/<int:category_id>/move/", views.category_move, name="category_move"),
    path("sets/", views.product_set_list, name="product_set_list"),
    path("sets/new/", views.product_set_create, name="product_set_create"),
    path("sets/<int:product_set_id>/", views.product_set_detail, name="product_set_detail"),
    path("import/", views.catalog_import_page, name="import"),
    path("export.xlsx", views.catalog_export_file, name="export"),
]
