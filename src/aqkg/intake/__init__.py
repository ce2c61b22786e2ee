"""aqkg.intake."""
