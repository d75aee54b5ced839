from django.urls import path

from qudao.orders import views, views_cart, views_docs, views_rules

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="order_list"),
    path("export/", views.order_export, name="order_export"),
    path("approvals/", views.approval_inbox, name="approval_inbox"),
    path("rules/", views_rules.approval_rules, name="approval_rules"),
    path("new/", views_cart.order_start, name="order_start"),
    path("new/<int:seller_id>/", views_cart.order_new, name="order_new"),
    path("<int:order_id>/", views.order_detail, name="order_detail"),
    path("<int:order_id>/edit/", views_cart.order_edit, name="order_edit"),
    path("<int:order_id>/submit/", views_cart.order_submit, name="order_submit"),
    path("<int:order_id>/reorder/", views_cart.order_reorder, name="order_reorder"),
    path("<int:order_id>/approve/", views.order_approve, name="order_approve"),
    path("<int:order_id>/reject/", views.order_reject, name="order_reject"),
    path("<int:order_id>/cancel/", views.order_cancel, name="order_cancel"),
    path(
        "<int:order_id>/seller-cancel/",
        views.order_cancel_by_seller,
        name="order_cancel_by_seller",
    ),
    path("<int:order_id>/complete/", views.order_complete, name="order_complete"),
    path("<int:order_id>/ship/", views_docs.order_ship, name="order_ship"),
    path("<int:order_id>/return/", views_docs.return_new, name="return_new"),
    path("shipments/", views_docs.shipment_list, name="shipment_list"),
    path("shipments/<int:shipment_id>/", views_docs.shipment_detail, name="shipment_detail"),
    path(
        "shipments/<int:shipment_id>/receive/",
        views_docs.shipment_receive,
        name="shipment_receive",
    ),
    path("returns/", views_docs.return_list, name="return_list"),
    path("returns/<int:return_id>/", views_docs.return_detail, name="return_detail"),
]

urlpatterns += [
    path(
        f"returns/<int:return_id>/{step}/",
        views_docs.return_step,
        {"step": step},
        name=f"return_{step}",
    )
    for step in ("approve", "reject", "send", "receive", "cancel")
]
