"""What every endpoint of the REST API shares: API-key authentication, scopes, the bridge to
each app's Policy, cursor pagination, throttling, conditional GET, strict input and one shape
of error. The apps' `api/` modules stay thin: parse, call a service or selector, render."""
