"""Bank authoring: the YAML source, its parser and schema, the checker (pure); browser upload."""
