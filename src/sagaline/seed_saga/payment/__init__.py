"""Payment: charges a new order's user, refunds when the saga fails later."""
