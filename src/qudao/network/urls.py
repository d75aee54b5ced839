from django.urls import path

from qudao.network import views

app_name = "network"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("tree/<int:org_id>/children/", views.tree_children, name="tree_children"),
    path("orgs/", views.org_list, name="org_list"),
    path("orgs/<int:org_id>/", views.org_detail, name="org_detail"),
    path("orgs/<int:parent_id>/new/", views.org_create, name="org_create"),
    path("orgs/<int:org_id>/edit/", views.org_edit, name="org_edit"),
    path("orgs/<int:org_id>/move/", views.org_move, name="org_move"),
    path("orgs/<int:org_id>/members/", views.member_add, name="member_add"),
    path("members/<int:membership_id>/toggle/", views.member_toggle, name="member_toggle"),
    path("orgs/<int:org_id>/supply-links/", views.supply_link_add, name="supply_link_add"),
    path("supply-links/<int:link_id>/toggle/", views.supply_link_toggle, name="supply_link_toggle"),
    path("divisions/options/", views.division_options, name="division_options"),
]
