"""The example's own directory is where its modules are found (`shipping`, `shipping_saga`),
as when a user runs `sagaline ... --saga shipping_saga:SAGA` from here."""
