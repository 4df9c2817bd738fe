"""`python -m sagaline.seed_saga.payment`: run the payment service."""

from sagaline.seed_saga import PAYMENT
from sagaline.seed_saga.payment.bootstrap import bootstrap
from sagaline.seed_saga.runner import run

run(PAYMENT, bootstrap)
