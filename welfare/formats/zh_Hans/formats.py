"""Django's zh-hans formats, with the thousands separator the bureau's finance staff read: ¥30,000,000.00."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
