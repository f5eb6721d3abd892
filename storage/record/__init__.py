"""The case record: models, codes, integrity rules, custom fields, endpoint definitions, migrations."""
