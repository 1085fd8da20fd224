"""CellflowError, the one error the client raises for a problem the user can fix."""


class CellflowError(Exception):
    """A problem with the store or a call, with a message that says what to do."""


CellflowError.__module__ = "cellflow"
