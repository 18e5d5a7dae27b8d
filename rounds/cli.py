"""The `rounds` command: Django's management commands under one name, with the defaults set.

    rounds migrate
    rounds load_demo
    rounds db_worker
    rounds import-candidates FILE.csv --org SLUG
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rounds.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if len(args) > 1:
        args[1] = args[1].replace("-", "_")  # `import-candidates` → `import_candidates`
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
