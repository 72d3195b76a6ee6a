"""Text that PostgreSQL can store: it refuses the NUL character, so the API refuses it first."""

from typing import Annotated

from pydantic import AfterValidator, StringConstraints


def refuse_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError("text must not contain the NUL character (\\u0000)")
    return value


NoNul = AfterValidator(refuse_nul)


def Text(max_length: int, min_length: int = 1):  # noqa: N802 - reads like a type
    """Stripped text of bounded length, without NUL."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        NoNul,
    ]


LIKE_ESCAPE = "/"


def like_escape(text: str) -> str:
    """`text` for a LIKE pattern (escape character LIKE_ESCAPE): `%` and `_` match themselves."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape LIKE_ESCAPE) that matches `text` anywhere, `%` and `_` literally."""
    return f"%{like_escape(text)}%"
