"""cvlab's entry point: the sidebar's sections and pages, declared in ui/navigation.py."""

from ui.augment import keep_settings
from ui.navigation import navigation

keep_settings()  # the studio's controls survive while other pages run
navigation().run()
