"""Accounts: registration, email verification, login, logout, passwords."""
