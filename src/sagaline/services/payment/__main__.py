"""`python -m sagaline.services.payment`: run the payment service."""

from sagaline.services import PAYMENT
from sagaline.services.payment.bootstrap import bootstrap
from sagaline.services.runner import run

run(PAYMENT, bootstrap)
