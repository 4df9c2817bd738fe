"""`python -m sagaline.seed_saga.inventory`: run the inventory service."""

from sagaline.seed_saga import INVENTORY
from sagaline.seed_saga.inventory.bootstrap import bootstrap
from sagaline.seed_saga.runner import run

run(INVENTORY, bootstrap)
