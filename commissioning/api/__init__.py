"""The REST API of this app: thin views over its services and selectors."""
