from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "helhed.registry"
    label = "registry"
    verbose_name = _("Register over helhedsorienterede indsatser")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from helhed.core.context_processors import register_menu_item

        register_menu_item(
            "registry:initiative_list",
            _("Register"),
            frozenset({"fagperson", "koordinator", "leder", "analytiker", "administrator"}),
        )
        register_menu_item(
            "registry:matrix",
            _("Kategorier"),
            frozenset({"leder", "analytiker", "administrator"}),
        )
