"""Pure formatters: CSV, GIFT, Moodle XML and bank YAML."""
