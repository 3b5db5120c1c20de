from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from procurement.notifications.emails import send_again
from procurement.notifications.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "to", "state", "attempts", "created_at", "sent_at", "last_error"]
    list_filter = ["state", "event"]
    search_fields = ["to", "subject"]
    readonly_fields = [field.name for field in OutboundEmail._meta.fields] + ["message_id"]
    actions = ["send_selected_again"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send the selected unsent emails again"))
    def send_selected_again(self, request, queryset):
        count = send_again(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d email handed over for sending.",
                "%(count)d emails handed over for sending.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
