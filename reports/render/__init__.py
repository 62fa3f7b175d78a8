"""What is shown: records from run files, statistics, the markdown reports, their tables and figures."""
