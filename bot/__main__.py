import signal
import sys

from bot.cli.commands import main

# Behave like a Unix tool when piped into `head`.
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
sys.exit(main())
