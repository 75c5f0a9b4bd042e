"""What parsing each decoded document gave, for a later parse of the very same decoded objects.

`load_each` hands every path set the same decoded objects for byte-identical files, so diff's two
sides parse their shared files once. An object is a function of its document's body, position
("document 3", which names an object without a name) and file; the file only ever becomes the
object's `source`. So a hit under another file name is the kept value with that file as its
source, and only objects parsed without a problem or a note are kept: those name their file in
their text, and are parsed again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reachability._replaced import replaced

if TYPE_CHECKING:
    from reachability._parse.documents import Document


class ParseMemo:
    """Parsed values by the identity of the decoded body they came from (which it keeps alive,
    so that no other body can take its id)."""

    __slots__ = ("_found",)

    def __init__(self) -> None:
        self._found: dict[int, tuple[Any, str, Any]] = {}

    def get(self, document: Document) -> Any | None:
        """The value parsing `document` gives, if its body was parsed before; else None."""
        found = self._found.get(id(document.body))
        if found is None:
            return None
        body, position, value = found
        if body is not document.body or position != document.position:
            return None
        if getattr(value, "source", document.source) != document.source:
            value = replaced(value, source=document.source)
        return value

    def keep(self, document: Document, value: Any) -> None:
        """Remember what `document` gave (parsed without a problem or a note)."""
        self._found[id(document.body)] = (document.body, document.position, value)
