"""Study set-up dialogs: the investigator's own custom fields."""
