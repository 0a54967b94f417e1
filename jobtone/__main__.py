import sys

from jobtone.cli import main

sys.exit(main())
