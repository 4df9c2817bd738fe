"""`python -m sagaline.seed_saga.order`: run the order service."""

from sagaline.seed_saga import ORDER
from sagaline.seed_saga.order.bootstrap import bootstrap
from sagaline.seed_saga.runner import run

run(ORDER, bootstrap)
