"""The `curate` command line: `main` builds the parser; each other module is one subcommand exposing `register(subparsers)`."""
