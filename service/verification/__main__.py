"""`python -m service.verification`: the verification report."""

import sys

from .run import main

sys.exit(main())
