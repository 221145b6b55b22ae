"""`python -m transmitter`: run the TIC radio transmitter."""

from transmitter.app import main

raise SystemExit(main())
