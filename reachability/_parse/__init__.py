"""Manifests (already-decoded dicts) -> immutable model values, rejecting what the API server would.

Private to `reachability`: siblings read manifests through `reachability.load` and friends. One
module per object kind (metadata and Namespace, Pod, NetworkPolicy, label selector), plus the
problem collector they share; `documents` drives them over a stream of decoded documents.
"""

from reachability._parse.documents import Document, Parsed, expand_lists, parse_documents
from reachability._parse.memo import ParseMemo

__all__ = ["Document", "ParseMemo", "Parsed", "expand_lists", "parse_documents"]
