"""CivicLoop (创城通) API service."""
