"""A screening: validate answers, match rules through durable-rules, resolve and shape the outcome."""
