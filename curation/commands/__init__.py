"""`curate` subcommands: each module exposes `register(subparsers)`."""
