"""The database: engine settings, the unit of work, prepared statements, readiness, backups."""
