"""``reconciler drift``: what live holds that the files do not declare, and who did it."""
