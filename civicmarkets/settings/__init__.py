"""CivicMarkets settings.

`base` is the one configuration for production and `make run` alike: every value that
differs between machines comes from the environment (see README, "Configuration").
`test` adjusts it for the test run.
"""
