"""`python -m sagaline.services.order`: run the order service."""

from sagaline.services import ORDER
from sagaline.services.order.bootstrap import bootstrap
from sagaline.services.runner import run

run(ORDER, bootstrap)
