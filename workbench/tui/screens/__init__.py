"""Screens and dialogs: help, welcome, details, export, account form, filters, confirmation."""
