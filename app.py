"""cvlab's entry point: the sidebar's sections and pages, declared in ui/navigation.py."""

from ui.navigation import navigation
from ui.page_memory import keep_settings

keep_settings()  # every page's controls survive while other pages run
navigation().run()
