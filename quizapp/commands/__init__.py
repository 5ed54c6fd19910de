"""Click commands for authoring question banks."""
