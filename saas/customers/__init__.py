"""Shoppers' accounts on one store's storefront: registration, login, addresses and order history."""
