"""The harness's own errors: each one is a single message that names what and where.

`OdmdError` and its subclasses are problems with the input (a feature file, the dataset,
an artifact, an enver). Failures of the system under test are `AssertionError`s, so pytest
reports them as failed scenarios rather than as harness errors.
"""


class OdmdError(Exception):
    """A harness input problem. `str(err)` is the whole message a user needs."""


class ConstantError(OdmdError):
    """A ${NAME} that the master mock dataset does not define."""


class DatasetError(OdmdError):
    """The master mock dataset is unreadable or inconsistent."""


class ContractError(OdmdError):
    """A schema artifact is missing, unreadable or not of a kind the harness knows."""


class InvalidDocument(ContractError):
    """A document breaks a MUST of its own specification that the schema validator cannot see
    (a security requirement naming an undeclared scheme): the document's fault, said with the rule."""


class EnverError(OdmdError):
    """An enver cannot be resolved or reached."""


class TransportError(AssertionError):
    """An exchange could not be completed (connection refused, no answer in time)."""


class ContractViolation(AssertionError):
    """An exchange broke its contract: undeclared status, body not matching the schema."""

    def __init__(self, where: str, problems: list[str]):
        self.where = where
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"contract violation in {where}:\n{lines}")
