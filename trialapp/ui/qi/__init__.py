"""The infection QI screens: the dashboard, the operating-room checklist, the bundle editor and the small
dialogs, with the controller that is their only way to the services (``controller.py``)."""
