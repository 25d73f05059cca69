"""The love-police fund's pages under /fund/: balances, entries and their export, donations, allocations,
reversals, and the care grants to decide or pay."""

from django.urls import path

from care import fund_views

urlpatterns = [
    path("", fund_views.fund_home, name="fund-home"),
    path("entries/", fund_views.fund_entries, name="fund-entries"),
    path("entries/export.xlsx", fund_views.fund_entries_export, name="fund-entries-export"),
    path("entries/<int:pk>/reverse/", fund_views.fund_reverse, name="fund-reverse"),
    path("donations/new/", fund_views.fund_donation, name="fund-donation"),
    path("allocations/new/", fund_views.fund_allocation, name="fund-allocation"),
    path("grants/", fund_views.fund_grants, name="fund-grants"),
    path("grants/<int:pk>/approve/", fund_views.fund_grant_approve, name="fund-grant-approve"),
    path("grants/<int:pk>/reject/", fund_views.fund_grant_reject, name="fund-grant-reject"),
    path("grants/<int:pk>/pay/", fund_views.fund_grant_pay, name="fund-grant-pay"),
]
