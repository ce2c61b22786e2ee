"""aqkg.cli.main."""
