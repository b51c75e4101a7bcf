"""Accounts: users, roles, regencies, login and the admin screens."""
