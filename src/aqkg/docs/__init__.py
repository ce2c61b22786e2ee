"""aqkg.docs."""
