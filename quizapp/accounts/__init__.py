"""Accounts: registration, sign-in with server-side sessions, password changes and links."""
