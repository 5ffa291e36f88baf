"""cvlab's entry point: the sidebar's sections and pages, declared in ui/navigation.py."""

from ui.navigation import navigation

navigation().run()
