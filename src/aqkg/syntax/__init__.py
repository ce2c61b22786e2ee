"""aqkg.syntax."""
