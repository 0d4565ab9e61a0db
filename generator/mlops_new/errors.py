"""Errors a user can fix; the CLI shows them as one line and exits with code 2."""


class UsageError(Exception):
    """A problem with the user's input or environment, not a bug in mlops-new."""


class AnswerError(UsageError):
    """An answer a template refuses; `question` names the question it answers."""

    def __init__(self, question: str, message: str) -> None:
        super().__init__(message)
        self.question = question


class UnknownQuestion(AnswerError):
    """An answer to a question the template does not ask."""


def one_line(error: BaseException) -> str:
    """An error's message on one line of at most 300 characters (copier's can span pages)."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."
