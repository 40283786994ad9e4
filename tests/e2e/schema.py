"""Validation of svsmctl's JSON documents against the schema the packages ship."""
from pathlib import Path

import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "packaging" / "fleet" / "svsmctl.schema.json"
_validator = None


def validate(doc: dict) -> dict:
    """Raises jsonschema.ValidationError unless doc follows the shipped schema."""
    global _validator
    if _validator is None:
        import json
        schema = json.loads(SCHEMA_PATH.read_text())
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
    _validator.validate(doc)
    return doc
