"""The default saga, the seed demo's: order, then payment, then inventory (declared in
`saga.py`; each step in its own folder, declared in its `step.py`)."""
