"""The bottom layer: configuration, rules as data, the database and its models, plain types."""
