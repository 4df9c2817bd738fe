"""Inventory: reserves a paid order's items against per-SKU stock."""
