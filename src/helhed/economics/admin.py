"""Administration of the reference parts of economics: the price index and the shipped example
prices (leaders and analysts change their own organisation's prices in the app, with history).
Per-course costs and results are personal data and are not in the admin."""

from django.contrib import admin

from helhed.economics.models import PriceIndex, UnitPrice


@admin.register(PriceIndex)
class PriceIndexAdmin(admin.ModelAdmin):
    list_display = ("year", "value", "source")


@admin.register(UnitPrice)
class UnitPriceAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "amount_ore", "year", "payer", "budget_area", "organisation")
    list_filter = ("is_example", "budget_area", "payer", "active")
    search_fields = ("name", "source")
