"""``python -m streamlit_component doctor …``: see :mod:`streamlit_component.doctor`."""

import sys

from .doctor import main

if len(sys.argv) < 2 or sys.argv[1] != "doctor":
    sys.stderr.write("usage: python -m streamlit_component doctor [--secrets PATH] [--app-url URL] …\n")
    sys.exit(2)
sys.exit(main(sys.argv[2:]))
