"""`python -m client`: the same as `miniface client`."""

import sys

from . import main

sys.exit(main())
