"""The screens around the trial workspace: sign-in, lock, home, new trial, settings, history, printing."""
