"""What instructors see: classes, gradebook, item analysis, exports, demo data (services)."""
