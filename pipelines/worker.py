"""Entry point of the local runner's worker processes: Beam's SDK harness, with logging set up before Beam is imported.

Records still reach the runner through Beam's log relay; the terminal only gets errors.
"""

from __future__ import annotations

import logging
import sys


def main() -> None:
    terminal = logging.StreamHandler(sys.stderr)
    terminal.setLevel(logging.ERROR)
    logging.getLogger().addHandler(terminal)  # with a handler in place, Beam's import-time warnings never set up their own
    from apache_beam.runners.worker import sdk_worker_main

    sdk_worker_main.main(sys.argv)


if __name__ == "__main__":
    main()
