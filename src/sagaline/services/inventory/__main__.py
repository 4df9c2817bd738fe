"""`python -m sagaline.services.inventory`: run the inventory service."""

from sagaline.services import INVENTORY
from sagaline.services.inventory.bootstrap import bootstrap
from sagaline.services.runner import run

run(INVENTORY, bootstrap)
