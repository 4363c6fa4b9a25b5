"""The HTTP layer: routes, errors as problem+json, CORS, keys, limits, metrics, the form and the docs."""
