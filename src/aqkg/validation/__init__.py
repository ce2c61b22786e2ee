"""aqkg.validation."""
