from django.urls import path

from qudao.promotions import views
from qudao.promotions.views.promotions import MOVES

app_name = "promotions"

urlpatterns = [
    path("", views.promotion_list, name="promotion_list"),
    path("new/", views.promotion_create, name="promotion_create"),
    path("simulate/", views.simulator, name="simulator"),
    path("<int:promotion_id>/", views.promotion_detail, name="promotion_detail"),
    path("<int:promotion_id>/edit/", views.promotion_edit, name="promotion_edit"),
    path("<int:promotion_id>/copy/", views.promotion_copy, name="promotion_copy"),
    path("<int:promotion_id>/coupons/", views.coupon_issue, name="coupon_issue"),
]

urlpatterns += [
    path(
        f"<int:promotion_id>/{move}/",
        views.promotion_move,
        {"move": move},
        name=f"promotion_{move}",
    )
    for move in MOVES
]
