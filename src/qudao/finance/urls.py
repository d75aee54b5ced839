from django.urls import path

from qudao.finance import statement_views, views

app_name = "finance"

urlpatterns = [
    path("", views.position_list, name="position_list"),
    path("profiles/new/", views.credit_profile_create, name="credit_profile_create"),
    path("positions/<int:position_id>/", views.position_detail, name="position_detail"),
    path(
        "positions/<int:position_id>/credit-profile/",
        views.credit_profile_update,
        name="credit_profile_update",
    ),
    path(
        "positions/<int:position_id>/temporary-limits/",
        views.temporary_limit_grant,
        name="temporary_limit_grant",
    ),
    path("positions/<int:position_id>/payments/", views.payment_record, name="payment_record"),
    path("positions/<int:position_id>/adjustments/", views.balance_adjust, name="balance_adjust"),
    path(
        "positions/<int:position_id>/slips/", views.payment_slip_submit, name="payment_slip_submit"
    ),
    path(
        "positions/<int:position_id>/payments/<int:payment_id>/confirm/",
        views.payment_confirm,
        name="payment_confirm",
    ),
    path(
        "positions/<int:position_id>/payments/<int:payment_id>/reject/",
        views.payment_reject,
        name="payment_reject",
    ),
    path(
        "positions/<int:position_id>/payments/<int:payment_id>/slip/",
        views.payment_slip,
        name="payment_slip",
    ),
    path("ageing/", views.ageing, name="ageing"),
    path("overdue/", views.overdue, name="overdue"),
]

urlpatterns += [
    path("statements/", statement_views.statement_list, name="statement_list"),
    path("statements/generate/", statement_views.statement_generate, name="statement_generate"),
    path(
        "statements/<int:statement_id>/",
        statement_views.statement_detail,
        name="statement_detail",
    ),
    path(
        "statements/<int:statement_id>/send/",
        statement_views.statement_send,
        name="statement_send",
    ),
    path(
        "statements/<int:statement_id>/confirm/",
        statement_views.statement_confirm,
        name="statement_confirm",
    ),
    path(
        "statements/<int:statement_id>/dispute/",
        statement_views.statement_dispute,
        name="statement_dispute",
    ),
    path(
        "statements/<int:statement_id>/lines/<int:line_id>/answer/",
        statement_views.statement_answer,
        name="statement_answer",
    ),
    path("statements/<int:statement_id>/pdf/", statement_views.statement_pdf, name="statement_pdf"),
    path(
        "statements/<int:statement_id>/xlsx/",
        statement_views.statement_xlsx,
        name="statement_xlsx",
    ),
]
