"""Webhooks in the admin (the technical administrator; Danish): the subscriptions (seen, changed,
switched off, deleted — a client makes its own through the API, where its signing secret is shown
once; the admin never shows a secret, nor puts one in a message) and the dead letters with "Send
igen". No course or citizen is named (an event shows its type and number only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helhed.core.admin import TechnicalAdmin
from helhed.outbox.models import EventType
from helhed.webhooks import services, tasks
from helhed.webhooks.models import DeadDelivery, DeliveryStatus, Subscription


class SubscriptionForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        label=_("hændelsestyper"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Subscription
        fields = ("client", "url", "event_types", "active")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            services.check_subscription(data.get("url") or "", data.get("event_types") or [])
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                if name in self.fields and name not in self.errors:
                    self.add_error(name, errors)
        return data


@admin.register(Subscription)
class SubscriptionAdmin(TechnicalAdmin):
    form = SubscriptionForm
    list_display = ("url", "client", "active", "created_at")
    list_filter = ("active",)
    fields = ("client", "url", "event_types", "active")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a client subscribes through the API, which shows the secret once


@admin.register(DeadDelivery)
class DeadDeliveryAdmin(TechnicalAdmin):
    list_display = ("event_type", "event_seq", "subscription", "attempts", "last", "finished_at")
    fields = list_display
    readonly_fields = list_display
    actions = ("send_again",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeadDelivery]:
        return (
            super()
            .get_queryset(request)
            .filter(status=DeliveryStatus.DEAD)
            .select_related("event", "subscription")
        )

    @admin.display(description=_("hændelsestype"))
    def event_type(self, obj: DeadDelivery) -> str:
        return obj.event.get_type_display()

    @admin.display(description=_("løbenummer"))
    def event_seq(self, obj: DeadDelivery) -> int:
        return obj.event.seq

    @admin.display(description=_("seneste svar"))
    def last(self, obj: DeadDelivery) -> str:
        return obj.last_error or (str(obj.last_status_code) if obj.last_status_code else "")

    @admin.action(description=_("Send igen"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[DeadDelivery]) -> None:
        count = tasks.resend(delivery_ids=list(queryset.values_list("pk", flat=True)))
        messages.success(request, _("%(count)d levering(er) sendes igen.") % {"count": count})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # read-only; the action sends again

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
