from django.urls import path

from qudao.inventory import report_views, views

app_name = "inventory"

urlpatterns = [
    path("", views.stock_list, name="stock_list"),
    path("warehouses/<int:warehouse_id>/", views.warehouse_detail, name="warehouse_detail"),
    path(
        "warehouses/<int:warehouse_id>/receive/",
        views.stock_receive,
        name="stock_receive",
    ),
    path("warehouses/<int:warehouse_id>/adjust/", views.stock_adjust, name="stock_adjust"),
    path(
        "warehouses/<int:warehouse_id>/transfer/",
        views.transfer_send,
        name="transfer_send",
    ),
    path(
        "warehouses/<int:warehouse_id>/safety/",
        views.safety_stock_set,
        name="safety_stock_set",
    ),
    path("moves/", views.move_list, name="move_list"),
    path("moves/<int:move_id>/", views.move_detail, name="move_detail"),
    path("moves/<int:move_id>/reverse/", views.move_reverse, name="move_reverse"),
    path("serials/", views.serial_search, name="serial_search"),
    path("serials/<path:serial>/", views.serial_journey, name="serial_journey"),
    path("transits/", views.transit_list, name="transit_list"),
    path("transits/<int:transit_id>/", views.transit_detail, name="transit_detail"),
    path(
        "transits/<int:transit_id>/receive/",
        views.transit_receive,
        name="transit_receive",
    ),
    *report_views.urlpatterns,
]
