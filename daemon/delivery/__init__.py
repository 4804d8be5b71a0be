"""The shared folder and mail deliveries: files the team hands in after the coverage, checked by content."""
