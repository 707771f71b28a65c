"""RTE's éCO2mix data: the feeds' parsers (pure: bytes in, typed records out) and the snapshot to report."""
