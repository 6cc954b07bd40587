"""The errors netpol_lab raises about its input.

Every error a learner can cause (a YAML typo, a wrong kind, a field the API
server would reject) is a :class:`NetpolError`. It carries where the problem is
(the field path such as ``spec.ingress[0].from[1].ipBlock.except[0]``, the
document number and the line when the input was text), what was expected, and
an example of the right form, so a front end can show it instead of a
traceback.

The hierarchy is deliberately small:

- :class:`ParseError`: the text cannot be read as YAML or JSON at all.
- :class:`ValidationError`: the text is readable but a field is invalid, exactly
  where the Kubernetes API server would reject the manifest.
- :class:`UnknownEndpointError`: a source or destination named in a question
  (``production/api``) is not in the cluster.
"""

from __future__ import annotations

from collections.abc import Sequence


class NetpolError(Exception):
    """Base class of every error about a learner's input.

    Attributes
    ----------
    message : str
        What is wrong, in one sentence.
    path : str
        The field path inside the document, for example
        ``spec.ingress[0].from[1].ipBlock.except[0]``; empty when the whole
        document is concerned.
    document : int or None
        The 1-based number of the YAML document (``---`` separated) when known.
    line : int or None
        The 1-based line in the text when known.
    expected : str or None
        What would have been valid.
    example : str or None
        A corrected snippet the learner can copy.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str = "",
        document: int | None = None,
        line: int | None = None,
        expected: str | None = None,
        example: str | None = None,
        source: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.document = document
        self.line = line
        self.expected = expected
        self.example = example
        self.source = source
        super().__init__(self.__str__())

    @property
    def location(self) -> str:
        """Where the problem is, e.g. ``policies.yaml, document 2, line 14, spec.ingress[0]``."""
        parts = []
        if self.source:
            parts.append(self.source)
        if self.document is not None:
            parts.append(f"document {self.document}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.path:
            parts.append(self.path)
        return ", ".join(parts)

    def __str__(self) -> str:
        text = self.message
        if self.expected and not text.endswith((".", "!", "?")):
            text += "."
        if self.location:
            text = f"{self.location}: {text}"
        if self.expected:
            text += f" Expected {self.expected}."
        if self.example:
            text += "\nFor example:\n" + self.example
        return text

    def to_dict(self) -> dict:
        """The error as plain data (for JSON output and widgets)."""
        return {
            "kind": type(self).__name__,
            "message": self.message,
            "path": self.path,
            "document": self.document,
            "line": self.line,
            "expected": self.expected,
            "example": self.example,
            "source": self.source,
        }

    def located(
        self,
        *,
        document: int | None = None,
        line: int | None = None,
        source: str | None = None,
        prefix: str = "",
    ) -> NetpolError:
        """A copy of this error with location details filled in where missing."""
        path = self.path
        if prefix:
            path = f"{prefix}.{path}" if path and not path.startswith("[") else prefix + path
        return type(self)(
            self.message,
            path=path,
            document=self.document if self.document is not None else document,
            line=self.line if self.line is not None else line,
            expected=self.expected,
            example=self.example,
            source=self.source or source,
        )


class ParseError(NetpolError):
    """The input cannot be read as YAML or JSON (syntax, encoding, size, nesting)."""


class ValidationError(NetpolError):
    """A field is invalid: the Kubernetes API server would reject this manifest."""


class UnknownEndpointError(NetpolError, LookupError):
    """A source or destination is not in the cluster."""


class InputErrors(NetpolError):
    """Several errors found in one input; ``errors`` lists them all.

    Raised by the strict loaders when more than one document is invalid, so a
    learner sees every problem at once rather than one per attempt.
    """

    def __init__(self, errors: Sequence[NetpolError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        more = len(self.errors) - 1
        message = first.message + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        super().__init__(
            message,
            path=first.path,
            document=first.document,
            line=first.line,
            expected=first.expected,
            example=first.example,
            source=first.source,
        )

    def __str__(self) -> str:
        if not hasattr(self, "errors"):
            return super().__str__()
        return "\n".join(str(e) for e in self.errors)

    def located(self, **where) -> InputErrors:
        """A copy with every contained error located (see :meth:`NetpolError.located`)."""
        return InputErrors([e.located(**where) for e in self.errors])
