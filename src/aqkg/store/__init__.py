"""aqkg.store.embedded."""
